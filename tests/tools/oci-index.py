#!/usr/bin/env python3
"""Check a multi-platform image in an OCI layout (what `buildah manifest push --all --format
oci IMAGE oci:DIR` writes) and unpack each platform's files, for tests/checks/multiarch.sh.

    oci-index.py LAYOUT_DIR OUT_DIR PLATFORM...      # e.g. linux/amd64 linux/arm64

Checks: the layout holds one image index listing exactly PLATFORM...; each image's config
has that os/architecture, USER 65532:65532, ENV DOWNPAGE_OUTPUT_DIR=/pages, ENTRYPOINT
["/downpage"], and the same labels as the others (OCI labels present); its layers hold only
`downpage` and `pages/`. Each image's layers are unpacked into OUT_DIR/<arch>/.
Prints one JSON line per platform: platform, files, layers, compressed bytes (the gzip
layers as stored and pulled) and uncompressed bytes (the layer tarballs).
Exit status 1 with one line per problem.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import sys
import tarfile

INDEX = "application/vnd.oci.image.index.v1+json"


def blob(layout: str, digest: str) -> bytes:
    algo, hexd = digest.split(":", 1)
    with open(os.path.join(layout, "blobs", algo, hexd), "rb") as f:
        return f.read()


def main() -> int:
    layout, out, *platforms = sys.argv[1:]
    problems: list[str] = []
    top = json.load(open(os.path.join(layout, "index.json")))
    indexes = [m for m in top["manifests"] if m.get("mediaType") == INDEX]
    if len(indexes) != 1:
        print(f"FAIL: {layout}: want one image index, found {len(indexes)}", file=sys.stderr)
        return 1
    index = json.loads(blob(layout, indexes[0]["digest"]))
    found = sorted(f"{m['platform']['os']}/{m['platform']['architecture']}" for m in index["manifests"])
    if found != sorted(platforms):
        problems.append(f"the index lists {found}, want {sorted(platforms)}")
    labels_seen: dict[str, dict] = {}
    for entry in index["manifests"]:
        plat = f"{entry['platform']['os']}/{entry['platform']['architecture']}"
        arch = entry["platform"]["architecture"]
        manifest = json.loads(blob(layout, entry["digest"]))
        config = json.loads(blob(layout, manifest["config"]["digest"]))
        cfg = config.get("config", {})
        if f"{config.get('os')}/{config.get('architecture')}" != plat:
            problems.append(f"{plat}: the image config says {config.get('os')}/{config.get('architecture')}")
        if cfg.get("User") != "65532:65532":
            problems.append(f"{plat}: USER is {cfg.get('User')!r}, want 65532:65532")
        if "DOWNPAGE_OUTPUT_DIR=/pages" not in cfg.get("Env", []):
            problems.append(f"{plat}: no ENV DOWNPAGE_OUTPUT_DIR=/pages")
        if cfg.get("Entrypoint") != ["/downpage"]:
            problems.append(f"{plat}: ENTRYPOINT is {cfg.get('Entrypoint')}")
        labels = cfg.get("Labels") or {}
        if "org.opencontainers.image.source" not in labels:
            problems.append(f"{plat}: no OCI labels")
        labels_seen[plat] = labels
        files: set[str] = set()
        compressed = uncompressed = 0
        dest = os.path.join(out, arch)
        os.makedirs(dest, exist_ok=True)
        for layer in manifest["layers"]:
            data = blob(layout, layer["digest"])
            compressed += len(data)
            raw = gzip.decompress(data) if "gzip" in layer["mediaType"] else data
            uncompressed += len(raw)
            with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
                for member in tar.getmembers():
                    files.add(member.name.lstrip("./") + ("/" if member.isdir() else ""))
                tar.extractall(dest, filter="tar")
        if sorted(files) != ["downpage", "pages/"]:
            problems.append(f"{plat}: the image should hold only /downpage and /pages, found {sorted(files)}")
        print(json.dumps({"platform": plat, "files": sorted(files), "layers": len(manifest["layers"]),
                          "compressed": compressed, "uncompressed": uncompressed}))
    first = next(iter(labels_seen.values()), {})
    for plat, labels in labels_seen.items():
        if labels != first:
            problems.append(f"{plat}: labels differ: {labels} vs {first}")
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
