#!/usr/bin/env bash
# What watch mode costs while nothing changes: CPU per look at the inputs, CPU per idle
# minute at the default interval, and memory after an hour's worth of looks.
#   bash tests/bench/watch-idle.sh            [TEMPLATES=40]
# A benchmark, not a test (not in tests/run-all.sh); it prints numbers and asserts nothing
# about time. It runs the release binary in watch mode over a ConfigMap-style template folder
# (a timestamped folder, `..data`, one link per key) of TEMPLATES files, then:
#  1. an hour-equivalent: DOWNPAGE_WATCH_INTERVAL=10ms until 1800 looks have happened (an
#     hour at the default 2 s), counted by the process's voluntary context switches (one
#     sleep per look); CPU from /proc/PID/schedstat (nanoseconds on CPU), memory from
#     /proc/PID/status (VmRSS now, VmHWM peak) before and after;
#  2. one real idle minute at the default 2 s interval, CPU measured the same way.
# Set QUICK=1 to skip step 2 (saves a minute).
source "$(dirname "$0")/../lib.sh"
need_release_binary
TEMPLATES=${TEMPLATES:-40}
LOOKS=1800 # an hour at 2 s
W=$(scratch watch-idle)
cd "$W"

# The templates, as a mounted ConfigMap: base.html, page.html and partials.
stamp=..2026_11_25_08_00_00.000000001
mkdir -p "cm/$stamp"
{
  printf '<!DOCTYPE html><html lang="en"><head><title>{{ title }}</title></head><body>\n'
  for i in $(seq 3 "$TEMPLATES"); do printf '{%% include "part%03d.html" %%}\n' "$i"; done
  printf '{%% block content %%}{%% endblock %%}</body></html>\n'
} > "cm/$stamp/base.html"
printf '{%% extends "base.html" %%}{%% block content %%}<h1>{{ code }} {{ title }}</h1><p>{{ message }}</p>{%% endblock %%}\n' > "cm/$stamp/page.html"
for i in $(seq 3 "$TEMPLATES"); do printf '<p class="p%03d">{{ site_name | default(value="Site") }} part %d</p>\n' "$i" "$i" > "cm/$stamp/part$(printf %03d "$i").html"; done
ln -s "$stamp" cm/..data
for f in "cm/$stamp"/*; do ln -s "..data/$(basename "$f")" "cm/$(basename "$f")"; done
printf '500.html=page.html\n502.html=page.html\n503.html=page.html\n504.html=page.html\n' > pages.txt

start() { # start INTERVAL: the watcher in the background, PID in $PID, once it has rendered
  env -i DOWNPAGE_WATCH=true DOWNPAGE_WATCH_INTERVAL="$1" DOWNPAGE_TEMPLATE_DIR=cm \
    DOWNPAGE_PAGES_FILE=pages.txt DOWNPAGE_OUTPUT_DIR=out DOWNPAGE_READY_FILE=ready.json \
    "$BIN" 2> log.txt &
  PID=$!
  local i
  for i in $(seq 100); do [ -e ready.json ] && return 0; sleep 0.1; done
  fail "the watcher did not render: $(cat log.txt)"
}
stop() { kill -TERM "$PID"; wait "$PID" || fail "the watcher exited $? on SIGTERM"; }
cpu_ns() { cut -d' ' -f1 "/proc/$PID/schedstat"; }
sleeps() { awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$PID/status"; }
mem() { awk '/^(VmRSS|VmHWM)/ {printf "%s %s kB  ", $1, $2}' "/proc/$PID/status"; }

echo "binary: $BIN ($(stat -c %s "$BIN") bytes); $TEMPLATES templates, 4 pages"
echo "-- $LOOKS looks (an hour at the default 2 s interval), at a 10 ms interval"
start 10ms
sleep 0.5
echo "after the first render:  $(mem)"
c0=$(cpu_ns) s0=$(sleeps) t0=$(date +%s.%N)
while (($(sleeps) - s0 < LOOKS)); do sleep 0.5; done
c1=$(cpu_ns) s1=$(sleeps) t1=$(date +%s.%N)
echo "after $((s1 - s0)) looks:       $(mem)"
stop
echo "re-renders during the idle run: $(grep -c 'changed:' log.txt || true) (expected 0)"
looks=$((s1 - s0))
awk -v c="$((c1 - c0))" -v n="$looks" -v t0="$t0" -v t1="$t1" 'BEGIN {
  per = c / n / 1000;
  printf "CPU: %.1f ms for %d looks = %.1f us per look (%.1f s wall)\n", c / 1e6, n, per, t1 - t0;
  printf "=> at the default 2 s interval: %.2f ms of CPU per idle minute (30 looks), %.0f ms per idle hour\n", per * 30 / 1000, per * 1800 / 1000;
}'

if [ -z "${QUICK:-}" ]; then
  echo "-- one idle minute at the default interval (2s), measured"
  rm -f ready.json
  start 2s
  sleep 1
  c0=$(cpu_ns) s0=$(sleeps)
  sleep 60
  c1=$(cpu_ns) s1=$(sleeps)
  echo "CPU in 60 s: $(awk -v c="$((c1 - c0))" 'BEGIN {printf "%.2f ms", c / 1e6}'), $((s1 - s0)) sleeps; $(mem)"
  stop
fi
