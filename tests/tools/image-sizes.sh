#!/usr/bin/env bash
# What each link flag of .cargo/config.toml saves and what cargo auditable adds, for the image's
# static musl binaries; docs/deploy.md ("Size budget") quotes its numbers:
#   bash tests/tools/image-sizes.sh [--callgrind] [amd64|arm64]...   # both platforms when none is named
# For each platform the dependencies are built once (target/image-sizes), then the binary is
# linked again (`cargo rustc`, LTO and all) with each set of the config's link flags: all of
# them, each one left out, none (the build before them). The last row adds `cargo auditable`
# (the Dockerfile's build; cargo-auditable from .ci/tools/cargo, as multiarch.sh installs it,
# or from PATH). Each row: the binary's bytes, and the image content as tests/checks/size.sh
# measures it (a tar of /downpage and /pages, its gzip -2 and gzip -9).
# With --callgrind (amd64 only: valgrind runs the host's binaries), the builds without and with
# all the link flags also count the instructions (callgrind) of the zero-config run and of the
# 1,000-page folder run of tests/bench/profile.sh, three times each (the counts vary a little
# from run to run).
# Minutes per platform (full LTO links); not part of the test command.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export PATH=$ROOT/.ci/tools/cargo/bin:$PATH
unset RUSTFLAGS
OUT=$ROOT/target/image-sizes
mkdir -p "$OUT"
CALLGRIND=
if [ "${1:-}" = --callgrind ]; then
  CALLGRIND=1; shift
  python3 - "$OUT/pages.json" "$OUT/context.json" <<'PY'
import json, sys
sys.path.insert(0, "tests/bench")
from bench import SITE, workload
json.dump(workload(1000), open(sys.argv[1], "w"))
json.dump(SITE, open(sys.argv[2], "w"))
PY
fi
(($#)) || set -- amd64 arm64
instructions() { # instructions LABEL BINARY: callgrind counts, three runs of each workload
  local shm; shm=$(mktemp -d /dev/shm/downpage-sizes.XXXXXX)
  local run n zero=() pages=()
  for run in 1 2 3; do
    n=$(env -i PATH=/usr/bin:/bin DOWNPAGE_OUTPUT_DIR="$shm/z$run" \
      valgrind --tool=callgrind --callgrind-out-file=/dev/null "$2" 2>&1 >/dev/null | sed -n 's/.*Collected : //p')
    zero+=("$n")
    n=$(env -i PATH=/usr/bin:/bin DOWNPAGE_OUTPUT_DIR="$shm/p$run" DOWNPAGE_TEMPLATE_DIR="$ROOT/tests/bench/templates" \
      DOWNPAGE_PAGES_FILE="$OUT/pages.json" DOWNPAGE_CONTEXT="$(cat "$OUT/context.json")" \
      valgrind --tool=callgrind --callgrind-out-file=/dev/null "$2" 2>&1 >/dev/null | sed -n 's/.*Collected : //p')
    pages+=("$n")
  done
  rm -rf "$shm"
  echo "$1: instructions, zero-config: ${zero[*]}; 1,000 pages: ${pages[*]}" >&2
}
measure() { # measure LABEL BINARY: one markdown row
  local d=$OUT/layer; rm -rf "$d"; mkdir -p "$d/pages"; cp "$2" "$d/downpage"
  tar -C "$d" -b 1 --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$OUT/layer.tar" downpage pages
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$(stat -c %s "$2")" "$(stat -c %s "$OUT/layer.tar")" \
    "$(gzip -2 -c "$OUT/layer.tar" | wc -c)" "$(gzip -9 -c "$OUT/layer.tar" | wc -c)"
}
echo "| build | binary | image tar | gzip -2 | gzip -9 |"
echo "|---|---|---|---|---|"
for arch in "$@"; do
  case $arch in
    amd64) t=x86_64-unknown-linux-musl ;;
    arm64) t=aarch64-unknown-linux-musl ;;
    *) echo "image-sizes.sh: no platform '$arch': use amd64 or arm64" >&2; exit 2 ;;
  esac
  rustup target list --installed | grep -qx "$t" || rustup target add "$t"
  # The config's flags for this target: the compile flags apply to every crate, the link flags
  # (-C link-arg=...) to the final link only, in named groups.
  mapfile -t flags < <(python3 -c '
import sys, tomllib
for f in tomllib.load(open(".cargo/config.toml", "rb"))["target"][sys.argv[1]].get("rustflags", []): print(f)' "$t")
  compile=() icf=() unwind=() other=()
  for ((i = 0; i < ${#flags[@]}; i++)); do
    f=${flags[i]}
    if [ "$f" = -C ] && ((i + 1 < ${#flags[@]})); then i=$((i + 1)); f="-C${flags[i]}"; fi
    case $f in
      -Clink-arg=--icf=*) icf+=("$f") ;;
      -Clink-arg=--no-eh-frame-hdr | -Clink-arg=-T*no-unwind-tables.ld) unwind+=("$f") ;;
      -Clink-arg=*) other+=("$f") ;;
      *) compile+=("$f") ;;
    esac
  done
  export CARGO_ENCODED_RUSTFLAGS=$(IFS=$'\x1f'; echo "${compile[*]}")
  link() { # link LABEL [cargo-subcommand-prefix...] -- FLAGS...: links, measures
    local label=$1; shift; local pre=(); while [ "$1" != -- ]; do pre+=("$1"); shift; done; shift
    CARGO_TARGET_DIR=$OUT/$arch cargo "${pre[@]}" rustc --profile image --locked -q --target "$t" --bin downpage -- "$@"
    measure "$arch: $label" "$OUT/$arch/$t/image/downpage"
    if [ -n "$CALLGRIND" ] && [ "$arch" = amd64 ] && [[ $label == none* || $label == all\ \(* ]]; then
      instructions "$arch: $label" "$OUT/$arch/$t/image/downpage"
    fi
  }
  link "none of the link flags (compile flags: ${compile[*]:-none})" -- "${other[@]}"
  [ ${#icf[@]} = 0 ] || link "--icf=all only" -- "${other[@]}" "${icf[@]}"
  [ ${#unwind[@]} = 0 ] || link "no unwind tables only" -- "${other[@]}" "${unwind[@]}"
  link "all (.cargo/config.toml)" -- "${other[@]}" "${icf[@]}" "${unwind[@]}"
  link "all, with cargo auditable (the Dockerfile's build)" auditable -- "${other[@]}" "${icf[@]}" "${unwind[@]}"
done
