#!/usr/bin/env bash
# Where a run's instructions go, by callgrind (the figures of docs/performance.md, "Where the
# time goes"):
#   bash tests/bench/profile.sh
# Builds the release binary with symbols (target/bench-profile; otherwise the release profile),
# then counts instructions of (a) the zero-config run and (b) the benchmark's 1,000-page folder
# run (tests/bench/templates, the page list bench.py makes), each into a fresh folder on
# /dev/shm, and prints each run's total and its share per library or crate (self cost).
# Instruction counts do not depend on the machine's load. Not part of tests/run-all.sh.
source "$(dirname "$0")/../lib.sh"
need_apt valgrind python3
W=$(scratch bench-profile)
SHM=$(mktemp -d /dev/shm/downpage-profile.XXXXXX)
trap 'rm -rf "$SHM"' EXIT
(cd "$ROOT" && CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
  cargo build --locked -q --release --target-dir target/bench-profile) || fail "release build with symbols failed"
BIN=$ROOT/target/bench-profile/release/downpage

ROOT=$ROOT python3 - "$W/pages.json" "$W/context.json" <<'PY'
import json, sys
import os; sys.path.insert(0, os.environ["ROOT"] + "/tests/bench")
from bench import SITE, workload
json.dump(workload(1000), open(sys.argv[1], "w"))
json.dump(SITE, open(sys.argv[2], "w"))
PY

profile() { # profile NAME ENV...: callgrind of one run, then its cost per library or crate
  local name=$1; shift
  env -i PATH=/usr/bin:/bin "$@" DOWNPAGE_OUTPUT_DIR="$SHM/$name" \
    valgrind --tool=callgrind --callgrind-out-file="$W/$name.out" -q "$BIN" 2>"$W/$name.log" \
    || { cat "$W/$name.log" >&2; fail "$name run failed under callgrind"; }
  callgrind_annotate --auto=no --threshold=99.9 "$W/$name.out" 2>/dev/null > "$W/$name.txt"
  python3 - "$name" "$W/$name.txt" <<'PY'
import re, sys
name, path = sys.argv[1], sys.argv[2]
STD = {"core", "alloc", "std", "hashbrown", "__rustc"}
total, groups, started = 0, {}, False
for line in open(path):
    t = re.match(r"\s*([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", line)
    if t:
        total = int(t.group(1).replace(",", ""))
    if line.startswith("Ir") and "file:function" in line:
        started = True
        continue
    if not started or line.startswith("---"):
        continue
    if not line.strip():
        break
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*?):(.*?)(?: \[([^\]]*)\])?\s*$", line)
    if not m:
        continue
    ir, file, fn, obj = int(m.group(1).replace(",", "")), m.group(2), m.group(3), m.group(4) or ""
    crate = re.search(r"/registry/src/[^/]+/([A-Za-z0-9_-]+?)-\d+\.\d+\.\d+[^/]*/", file)
    if "ld-linux" in obj or file.startswith("./elf/"):
        key = "dynamic loader (ld.so)"
    elif "libc.so" in obj or "libm.so" in obj or re.match(r"\./(string|math|malloc|stdio-common|stdlib|libio|nptl|misc|io|posix|dirent|csu)/", file):
        key = "libc (memset, memcpy, malloc, …)"
    else:
        # The first crate named in the function (drop glue and generics are charged to the
        # crate of the type they work on), else the crate of the source file.
        crates = [c for c in re.findall(r"(?<![\w:])([a-z_][a-z0-9_]*)::", fn) if c not in STD]
        if crates:
            key = crates[0]
        elif crate:
            key = crate.group(1).replace("-", "_")
        elif file.startswith("/rustc/") or re.findall(r"([a-z_][a-z0-9_]*)::", fn):
            key = "Rust std (core, alloc, std, hashbrown)"
        else:
            key = "other (kernel entry, unknown)"
    groups[key] = groups.get(key, 0) + ir
shown = sum(groups.values())
print(f"{name}: {total:,} instructions ({100 * shown / total:.1f}% in functions over the threshold)")
for key, ir in sorted(groups.items(), key=lambda kv: -kv[1])[:10]:
    print(f"  {100 * ir / total:5.1f}%  {key}")
PY
}

profile zero-config
profile pages-1000 DOWNPAGE_TEMPLATE_DIR="$ROOT/tests/bench/templates" \
  DOWNPAGE_PAGES_FILE="$W/pages.json" DOWNPAGE_CONTEXT="$(cat "$W/context.json")"
echo "callgrind files: $W/*.out (callgrind_annotate FILE for functions)"
