#!/usr/bin/env python3
"""Run one service of a resolved compose file (`docker compose config --format json`) with the
real downpage binary on the host, the way tests/tools/pod.py runs a pod's container.

    compose-run.py vars CONFIG.json SERVICE               # names of its environment variables
    compose-run.py run  CONFIG.json SERVICE --root DIR --bin BINARY
    compose-run.py remap CONFIG.json SERVICE --root DIR < text > text

Named volumes become DIR/volumes/NAME, bind mounts DIR/bind/<basename of the source>; paths
in the environment (and in `remap`'s text) are mapped from the container's mount targets to
those folders. The binary gets exactly the service's environment.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys


def mounts(svc, root):
    out = []
    for v in svc.get("volumes", []):
        if v["type"] == "volume":
            host = os.path.join(root, "volumes", v["source"])
        elif v["type"] == "bind":
            host = os.path.join(root, "bind", os.path.basename(v["source"].rstrip("/")))
        else:
            continue
        if v["type"] == "bind" and os.path.isfile(v["source"]):
            os.makedirs(os.path.dirname(host), exist_ok=True)
            with open(v["source"], "rb") as src, open(host, "wb") as dst:
                dst.write(src.read())
        else:
            os.makedirs(host, exist_ok=True)
        out.append((v["target"].rstrip("/"), host))
    return sorted(out, key=lambda t: -len(t[0]))


def remap(text, table):
    for target, host in table:
        text = re.sub(r"(?<![\w./-])" + re.escape(target) + r"(?=$|[/\s'\";:,}])", host, text)
    return text


def main():
    cmd, config, service = sys.argv[1:4]
    with open(config, encoding="utf-8") as fh:
        svc = json.load(fh)["services"][service]
    env = {k: v for k, v in (svc.get("environment") or {}).items() if v is not None}
    if cmd == "vars":
        print("\n".join(env))
        return 0
    root = sys.argv[sys.argv.index("--root") + 1]
    table = mounts(svc, root)
    if cmd == "remap":
        sys.stdout.write(remap(sys.stdin.read(), table))
        return 0
    binary = sys.argv[sys.argv.index("--bin") + 1]
    env = {k: remap(v, table) for k, v in env.items()}
    return subprocess.run([binary], env=env, cwd=root).returncode


if __name__ == "__main__":
    sys.exit(main())
