#!/usr/bin/env bash
# DOWNPAGE_SYNTAX=django against the real Django 5.2, byte for byte: every case template of
# tests/dialects/django/cases (<case>.html, optional <case>.json context, urls.json for
# DOWNPAGE_URLS) is rendered by tests/dialects/django_oracle.py (real Django set up as the
# contract says) and by the release binary in one run; any difference fails with a diff.
source "$(dirname "$0")/../lib.sh"
need_dialects_venv
[ -n "${DOWNPAGE_BIN:-}" ] && BIN=$DOWNPAGE_BIN || need_release_binary
W=$(scratch dialects-django)
CASES=$ROOT/tests/dialects/django/cases
export SOURCE_DATE_EPOCH=946684800

"$DIALECTS_PY" "$ROOT/tests/dialects/django_oracle.py" "$CASES" "$W/expected" || fail "the Django oracle failed"

# One page per case, its JSON context as the page's own.
"$DIALECTS_PY" - "$CASES" > "$W/pages.json" <<'PY'
import json, os, sys
cases = sys.argv[1]
pages = []
for name in sorted(os.listdir(cases)):
    if name.endswith(".html") and os.path.isfile(os.path.join(cases, name)):
        ctx = os.path.join(cases, name[:-5] + ".json")
        pages.append([name, name, json.load(open(ctx)) if os.path.exists(ctx) else {}])
print(json.dumps(pages))
PY
urls='{}'
[ -e "$CASES/urls.json" ] && urls=$(cat "$CASES/urls.json")
env -i PATH="$PATH" DOWNPAGE_SYNTAX=django DOWNPAGE_TEMPLATE_DIR="$CASES" \
  DOWNPAGE_PAGES_FILE="$W/pages.json" DOWNPAGE_OUTPUT_DIR="$W/actual" DOWNPAGE_URLS="$urls" \
  SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" "$BIN" 2> "$W/stderr" || { cat "$W/stderr" >&2; fail "downpage failed on the django cases"; }

total=0; equal=0; bad=()
for f in "$W"/expected/*.html; do
  name=$(basename "$f")
  total=$((total + 1))
  if cmp -s "$f" "$W/actual/$name"; then
    equal=$((equal + 1))
  else
    bad+=("$name")
    diff -u --label "django/$name" --label "downpage/$name" "$f" "$W/actual/$name" | head -40 >&2 || true
  fi
done
echo "dialects-django: $equal/$total cases byte-equal"
[ "$total" -gt 0 ] || fail "no django cases found in $CASES"
((${#bad[@]} == 0)) || fail "${#bad[@]} django case(s) differ from Django: ${bad[*]}"
