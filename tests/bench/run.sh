#!/usr/bin/env bash
# The benchmark: downpage side by side with django-downpage, a plain Jinja2 script and the
# I/O floor (a C program writing the same bytes), cold whole-process runs on a tmpfs.
#   bash tests/bench/run.sh            full run (N = 4 built-in, 4, 100, 1000, 10000; 7 runs each):
#                                      writes tests/bench/results.md, results.json, docs/bench.png
#                                      and the table in docs/performance.md
#   bash tests/bench/run.sh --smoke    N = 4 and 100, one run, writes nothing in the repo (~10 s);
#                                      tests/checks/bench-smoke.sh runs it in the test command
#   bash tests/bench/run.sh --static   also times the static binary the container image ships
#                                      (a second full build, a few minutes)
# Extra arguments go to bench.py (--sizes, --runs, --no-peers). Not part of tests/run-all.sh:
# a full run takes a few minutes. Installs what it needs (gcc via apt as root; Django,
# django-downpage, Jinja2 and matplotlib in .ci/tools/venv-bench).
source "$(dirname "$0")/../lib.sh"

smoke=
static=
if [ "${1:-}" = --smoke ]; then smoke=1; shift; fi
if [ "${1:-}" = --static ]; then static=1; shift; fi
need_apt gcc libc6-dev python3-venv
peers=(Django==5.2.19 django-downpage==1.2.2 Jinja2==3.1.6)
if [ -n "$smoke" ]; then need_pip venv-bench "${peers[@]}"; else need_pip venv-bench "${peers[@]}" matplotlib==3.11.2; fi
need_release_binary

out=$ROOT/target/bench
mkdir -p "$out"
gcc -O2 -Wall -Werror -o "$out/floor" "$ROOT/tests/bench/floor.c"
gcc -O2 -Wall -Werror -o "$out/timeit" "$ROOT/tests/bench/timeit.c"

# A tmpfs for the outputs: the disk's own speed (and ext4's slowness after mass deletes)
# must not be measured. Mount one as root, else use /dev/shm.
work=
mounted=
cleanup() {
  if [ -n "$mounted" ]; then umount "$mounted" && rmdir "$mounted"; elif [ -n "$work" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
if [ "$(id -u)" = 0 ] && mkdir -p "$out/tmpfs" && mount -t tmpfs -o size=6g,mode=0755 downpage-bench "$out/tmpfs" 2>/dev/null; then
  mounted=$out/tmpfs
  work=$out/tmpfs/work
elif [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  work=/dev/shm/downpage-bench-$$
else
  fail "no tmpfs: run as root (to mount one) or provide /dev/shm"
fi
mkdir -p "$work"

args=(--work "$work" --bin "$BIN" --tools "$out")
if [ -n "$static" ]; then
  # As the container image is built (Dockerfile): --profile image, static musl linked as
  # .cargo/config.toml says (RUSTFLAGS unset: it would replace those flags); static glibc
  # (non-PIE) where the musl target cannot be added, as tests/checks/size.sh.
  # A separate target folder: RUSTFLAGS force a full build.
  profile=image
  triple="$(uname -m)-unknown-linux-musl"
  build=(env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS)
  if ! rustup target list --installed 2>/dev/null | grep -qx "$triple" && ! rustup target add "$triple"; then
    echo "NOTE: no musl target; timing a static glibc build instead"
    triple="$(uname -m)-unknown-linux-gnu"
    build=(env RUSTFLAGS='-C target-feature=+crt-static -C relocation-model=static')
  fi
  (cd "$ROOT" && "${build[@]}" \
    cargo build --locked -q --profile "$profile" --target "$triple" --target-dir target/bench-static)
  args+=(--static-bin "$ROOT/target/bench-static/$triple/$profile/downpage")
fi
if [ -n "$smoke" ]; then
  args+=(--sizes 4,100 --runs 1)
else
  mkdir -p "$ROOT/docs"
  args+=(--markdown "$ROOT/tests/bench/results.md" --json "$ROOT/tests/bench/results.json"
    --plot "$ROOT/docs/bench.png" --readme "$ROOT/docs/performance.md")
fi
"$TOOLS/venv-bench/bin/python" "$ROOT/tests/bench/bench.py" "${args[@]}" "$@"
