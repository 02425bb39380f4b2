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
    """One pass, longest target first, so a host path put in for one mount is never
    rewritten again by another (a checkout under /tmp met a /tmp mount)."""
    if not table:
        return text
    hosts = dict(table)
    alternatives = "|".join(re.escape(target) for target, _ in table)
    pattern = r"(?<![\w./-])(" + alternatives + r")(?=$|[/\s'\";:,}])"
    return re.sub(pattern, lambda m: hosts[m.group(1)], text)


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
