#!/usr/bin/env python3
"""Run one container of a rendered pod spec on the host, without a cluster.

Used by tests/checks/k8s.sh and helm.sh to prove that the manifests work, not only that
they validate: the init containers of the rendered Deployment/Job are run for real, in
order, against the real downpage binary, and nginx's config is checked with the files they
wrote.

    pod.py run  RENDERED.yaml KIND/NAME CONTAINER --root DIR [--bin BINARY]
    pod.py vars RENDERED.yaml KIND/NAME CONTAINER          # names of its env variables
    pod.py remap RENDERED.yaml KIND/NAME CONTAINER --root DIR < text > text
    pod.py data RENDERED.yaml CONFIGMAP KEY                 # one ConfigMap value

Each volume of the pod is a folder DIR/volumes/NAME (ConfigMaps are written out, with their
`items` paths; emptyDirs are created), so containers that share a volume share the folder.
Paths in the container's env values and command are remapped from its mount paths to
those folders. A container with a `command` runs it through /bin/sh (stand-ins such as the
busybox assets step); one without runs BINARY with exactly the container's environment.
Names match kustomize's hashed ConfigMap names (NAME-<hash>). Needs PyYAML.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

import yaml


def load(path):
    with open(path, encoding="utf-8") as fh:
        return [d for d in yaml.safe_load_all(fh) if d]


def find(docs, kind, name):
    for d in docs:
        n = d.get("metadata", {}).get("name", "")
        if d.get("kind") == kind and (n == name or re.fullmatch(re.escape(name) + r"-[a-z0-9]{10}", n)):
            return d
    sys.exit(f"pod.py: no {kind}/{name} in the rendered manifests")


def pod_spec(docs, workload):
    kind, name = workload.split("/", 1)
    return find(docs, kind, name)["spec"]["template"]["spec"]


def container(spec, cname):
    for c in spec.get("initContainers", []) + spec.get("containers", []):
        if c["name"] == cname:
            return c
    sys.exit(f"pod.py: no container {cname}")


def mounts(spec, c, root):
    """[(mountPath, host folder)] longest mount path first; materialises the volumes."""
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    out = []
    for m in c.get("volumeMounts", []):
        host = os.path.join(root, "volumes", m["name"])
        if m.get("subPath"):
            host = os.path.join(host, m["subPath"])
        out.append((m["mountPath"].rstrip("/") or "/", host, vols[m["name"]]))
    return sorted(out, key=lambda t: -len(t[0]))


def materialise(docs, spec, c, root):
    for _, host, vol in mounts(spec, c, root):
        os.makedirs(host, exist_ok=True)
        if "configMap" in vol:
            cm = find(docs, "ConfigMap", vol["configMap"]["name"])
            data = cm.get("data", {})
            items = vol["configMap"].get("items") or [{"key": k, "path": k} for k in data]
            for it in items:
                dest = os.path.join(host, it["path"])
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "w", encoding="utf-8") as fh:
                    fh.write(data[it["key"]])
        elif "emptyDir" not in vol:
            sys.exit(f"pod.py: volume kind not supported: {vol}")


def remap_text(text, table):
    """One pass over the text (longest mount path first), so a host path put in by one
    mount is never rewritten again by another (a checkout under /tmp met a /tmp mount)."""
    if not table:
        return text
    hosts = {mount: host for mount, host, _ in table}
    alternatives = "|".join(re.escape(mount) for mount, _, _ in table)
    pattern = r"(?<![\w./-])(" + alternatives + r")(?=$|[/\s'\";:,}])"
    return re.sub(pattern, lambda m: hosts[m.group(1)], text)


def cmd_run(a):
    docs = load(a.rendered)
    spec = pod_spec(docs, a.workload)
    c = container(spec, a.container)
    materialise(docs, spec, c, a.root)
    table = mounts(spec, c, a.root)
    env = {}
    for e in c.get("env", []):
        if "value" not in e:
            sys.exit(f"pod.py: env {e['name']} has no literal value")
        env[e["name"]] = remap_text(str(e["value"]), table)
    if c.get("command"):
        argv = [remap_text(x, table) for x in c["command"] + c.get("args", [])]
        env["PATH"] = os.environ["PATH"]
    else:
        argv = [a.bin] + c.get("args", [])
    print(f"pod.py: {a.container}: {' '.join(k for k in env if k.startswith('DOWNPAGE_'))}", file=sys.stderr)
    return subprocess.run(argv, env=env, cwd=a.root).returncode


def cmd_vars(a):
    c = container(pod_spec(load(a.rendered), a.workload), a.container)
    print("\n".join(e["name"] for e in c.get("env", [])))
    return 0


def cmd_remap(a):
    docs = load(a.rendered)
    spec = pod_spec(docs, a.workload)
    c = container(spec, a.container)
    materialise(docs, spec, c, a.root)
    sys.stdout.write(remap_text(sys.stdin.read(), mounts(spec, c, a.root)))
    return 0


def cmd_data(a):
    sys.stdout.write(find(load(a.rendered), "ConfigMap", a.configmap)["data"][a.key])
    return 0


def main():
    p = argparse.ArgumentParser(prog="pod.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("run", "vars", "remap"):
        s = sub.add_parser(name)
        s.add_argument("rendered")
        s.add_argument("workload", help="KIND/NAME, e.g. Deployment/web")
        s.add_argument("container")
        if name != "vars":
            s.add_argument("--root", required=True)
        if name == "run":
            s.add_argument("--bin", default="downpage")
    s = sub.add_parser("data")
    s.add_argument("rendered")
    s.add_argument("configmap")
    s.add_argument("key")
    a = p.parse_args()
    return {"run": cmd_run, "vars": cmd_vars, "remap": cmd_remap, "data": cmd_data}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
