#!/usr/bin/env bash
# Short coverage-guided fuzz run of every target in fuzz/ (cargo-fuzz + libFuzzer): the page
# list, destinations, the whole configuration (context JSON, codes, formats, page list,
# rendered in memory) and user templates. Any panic, abort, stack overflow, hang (10 s per
# input) or runaway memory fails the check and leaves the input under target/checks/fuzz/.
# cargo-fuzz wants nightly flags: RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
#   DOWNPAGE_FUZZ_SECONDS=600 bash tests/checks/fuzz.sh     # a longer run
source "$(dirname "$0")/../lib.sh"
seconds=${DOWNPAGE_FUZZ_SECONDS:-12}
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install --locked --quiet cargo-fuzz@0.13.2
fi
work=$(scratch fuzz)
cd "$ROOT/fuzz"
targets=$(cargo fuzz list)
# No sanitizer: the code under test is safe Rust, and libFuzzer still catches panics, aborts
# and stack overflows; the build is several times faster.
cargo fuzz build --sanitizer none
status=0
for t in $targets; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  log=$work/$t.log
  if cargo fuzz run --sanitizer none "$t" "$work/corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$work/artifacts/$t/" >"$log" 2>&1; then
    echo "fuzz $t: $(grep -E '^Done [0-9]+ runs' "$log" | tail -1)"
  else
    status=1
    tail -40 "$log" >&2
    echo "FAIL: fuzz target $t crashed; input in $work/artifacts/$t/ — copy it into fuzz/regressions/$t/ and fix" >&2
  fi
done
exit $status
