#!/usr/bin/env bash
# The whole test suite, as the README gives it and CI runs it:
#   bash tests/run-all.sh
# Runs the Rust checks (fmt, clippy, unit + integration tests), then every tests/checks/*.sh;
# each check installs what it needs when missing (tests/lib.sh: apt-get as root, pip into
# .ci/tools venvs, npm into .ci/tools/node_modules).
# Ends with one line "N passed, N failed"; exits non-zero when anything failed.
# Set DOWNPAGE_TEST_ONLY=name to run only tests/checks/name.sh after the Rust checks.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export ROOT
export CARGO_TERM_COLOR=never

passed=0
failed=0
failures=()

step() { # step NAME COMMAND...: runs one check, counts it
  local name=$1; shift
  echo "==> $name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1)); echo "<== ok: $name ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "<== FAILED: $name ($((SECONDS - start)) s)"
  fi
}

step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy -D warnings" cargo clippy --locked --all-targets -- -D warnings
# Snapshots (tests/snapshots) are never written or accepted here: a changed text fails.
export INSTA_UPDATE=no INSTA_FORCE_PASS=0
step "cargo test" cargo test --locked
step "release build" cargo build --locked --release

for check in tests/checks/*.sh; do
  [ -e "$check" ] || continue
  name=$(basename "$check" .sh)
  if [ -n "${DOWNPAGE_TEST_ONLY:-}" ] && [ "$name" != "$DOWNPAGE_TEST_ONLY" ]; then continue; fi
  step "$name" bash "$check"
done

echo
if ((failed)); then echo "failed: ${failures[*]}"; fi
echo "checks: $passed passed, $failed failed"
((failed == 0))
