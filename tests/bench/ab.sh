#!/usr/bin/env bash
# Is this tree slower than an earlier one? Builds REV's release binary (a git worktree under
# target/bench-ab), then for the benchmark's workloads (the zero-config run, and 1,000 and
# 10,000 pages of tests/bench/templates, as bench.py makes them) runs both binaries
# alternately, RUNS times each, into fresh folders on /dev/shm, and prints the medians of wall
# and CPU time, then each binary's instruction count (callgrind; it does not depend on the
# machine's load). Alternating runs cancel out a machine that is slower today than on the day
# tests/bench/results.md was made.
#   bash tests/bench/ab.sh REV [RUNS]        e.g. bash tests/bench/ab.sh ede6d9a 7
# Not part of tests/run-all.sh (a second release build, a few minutes).
source "$(dirname "$0")/../lib.sh"
rev=${1:?usage: bash tests/bench/ab.sh REV [RUNS]}
runs=${2:-7}
need_apt gcc libc6-dev valgrind python3
need_release_binary
out=$ROOT/target/bench-ab
mkdir -p "$out"
gcc -O2 -Wall -Werror -o "$out/timeit" "$ROOT/tests/bench/timeit.c"
tree=$out/tree
git -C "$ROOT" worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
git -C "$ROOT" worktree add --detach "$tree" "$rev" >/dev/null
trap 'git -C "$ROOT" worktree remove --force "$tree"' EXIT
(cd "$tree" && cargo build --release -q --target-dir "$out/target") || fail "release build of $rev failed"
old=$out/target/release/downpage
shm=$(mktemp -d /dev/shm/downpage-ab.XXXXXX)
trap 'rm -rf "$shm"; git -C "$ROOT" worktree remove --force "$tree"' EXIT

ROOT=$ROOT python3 - "$shm" <<'PY'
import json, os, sys
sys.path.insert(0, os.environ["ROOT"] + "/tests/bench")
from bench import SITE, workload
for n in (1000, 10000):
    json.dump(workload(n), open(f"{sys.argv[1]}/pages-{n}.json", "w"))
json.dump(SITE, open(f"{sys.argv[1]}/site.json", "w"))
PY

run() { # run BIN WORKLOAD [PREFIX...]: one run into a fresh folder
  local bin=$1 n=$2; shift 2
  rm -rf "$shm/out"
  local vars=(PATH=/usr/bin:/bin LANG=C.UTF-8 DOWNPAGE_OUTPUT_DIR="$shm/out")
  if [ "$n" != zero-config ]; then
    vars+=(DOWNPAGE_TEMPLATE_DIR="$ROOT/tests/bench/templates" DOWNPAGE_PAGES_FILE="$shm/pages-$n.json"
      DOWNPAGE_CONTEXT="$(cat "$shm/site.json")")
  fi
  env -i "${vars[@]}" "$@" "$bin"
}

echo "ab: $rev ($old) against this tree ($BIN), $runs alternating runs each"
for n in zero-config 1000 10000; do
  for ((i = 0; i < runs; i++)); do
    for side in before after; do
      bin=$BIN; [ $side = before ] && bin=$old
      echo "$side $(run "$bin" "$n" "$out/timeit" 2>/dev/null)"
    done
  done > "$out/times-$n.txt"
  for side in before after; do
    bin=$BIN; [ $side = before ] && bin=$old
    ir=$(run "$bin" "$n" valgrind --tool=callgrind --callgrind-out-file=/dev/null 2>&1 >/dev/null \
      | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
    echo "$side instructions $ir"
  done >> "$out/times-$n.txt"
  python3 - "$n" "$rev" "$out/times-$n.txt" <<'PY'
import statistics, sys
n, rev, path = sys.argv[1:]
wall, cpu, ir = {}, {}, {}
for line in open(path):
    side, *rest = line.split()
    if rest[0] == "instructions":
        ir[side] = int(rest[1])
    else:
        ms, _rss, code, cpu_ms = rest
        assert code == "0", f"{side} exited {code}"
        wall.setdefault(side, []).append(float(ms))
        cpu.setdefault(side, []).append(float(cpu_ms))
med = lambda xs: statistics.median(xs)
print(f"{n:>11}: wall {med(wall['before']):.2f} -> {med(wall['after']):.2f} ms "
      f"({med(wall['after']) / med(wall['before']):.2f}x), CPU {med(cpu['before']):.2f} -> "
      f"{med(cpu['after']):.2f} ms ({med(cpu['after']) / med(cpu['before']):.2f}x), instructions "
      f"{ir['before']:,} -> {ir['after']:,} ({ir['after'] / ir['before']:.3f}x)  [{rev} -> this tree]")
PY
done
