#!/usr/bin/env bash
# The benchmark's quick mode (tests/bench/run.sh --smoke): N = 4 and 100 pages, one run each,
# through downpage, django-downpage, a plain Jinja2 script and the C floor. It times nothing
# that is asserted; it fails when the harness breaks or when the peers' pages, the floor's or
# the tarball's members are not byte for byte downpage's.
source "$(dirname "$0")/../lib.sh"
log=$(scratch bench-smoke)/run.log
if ! bash "$ROOT/tests/bench/run.sh" --smoke >"$log" 2>&1; then
  cat "$log" >&2
  fail "tests/bench/run.sh --smoke failed (log above)"
fi
identical=$(grep -c "outputs identical" "$log" || true)
[ "$identical" = 6 ] || { cat "$log" >&2; fail "expected 6 groups with identical outputs, got $identical"; }
echo "bench smoke: $identical groups, outputs identical"
