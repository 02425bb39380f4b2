#!/usr/bin/env bash
# DOWNPAGE_SYNTAX=jinja2 against the real Jinja2 3.1, byte for byte: every case of
# tests/dialects/jinja2/cases (top-level <case>.html or .txt, optional <case>.json context,
# urls.json for DOWNPAGE_URLS, layouts/includes/macros in sub-folders) is rendered by
# tests/dialects/jinja2_oracle.py (real Jinja2 set up as the contract says) and by the release
# binary in one run; any difference fails with a diff. A case Jinja2 refuses
# (<case>.error) must make downpage fail too, on its own.
source "$(dirname "$0")/../lib.sh"
need_dialects_venv
need_release_binary
W=$(scratch dialects-jinja2)
CASES=$ROOT/tests/dialects/jinja2/cases
export SOURCE_DATE_EPOCH=946684800

"$DIALECTS_PY" "$ROOT/tests/dialects/jinja2_oracle.py" "$CASES" "$W/expected" || fail "the Jinja2 oracle failed"

# One page per case that Jinja2 renders, its JSON context as the page's own.
"$DIALECTS_PY" - "$CASES" "$W/expected" > "$W/pages.json" <<'PY'
import json, os, sys
cases, expected = sys.argv[1], sys.argv[2]
pages = []
for name in sorted(os.listdir(expected)):
    if name.endswith(".error"):
        continue
    ctx = os.path.join(cases, os.path.splitext(name)[0] + ".json")
    pages.append([name, name, json.load(open(ctx)) if os.path.exists(ctx) else {}])
print(json.dumps(pages))
PY
urls='{}'
[ -e "$CASES/urls.json" ] && urls=$(cat "$CASES/urls.json")
run() { # run PAGES_FILE OUT_DIR
  env -i PATH="$PATH" DOWNPAGE_SYNTAX=jinja2 DOWNPAGE_TEMPLATE_DIR="$CASES" \
    DOWNPAGE_PAGES_FILE="$1" DOWNPAGE_OUTPUT_DIR="$2" DOWNPAGE_URLS="$urls" \
    SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" "$BIN"
}
run "$W/pages.json" "$W/actual" 2> "$W/stderr" || { cat "$W/stderr" >&2; fail "downpage failed on the jinja2 cases"; }

total=0; equal=0; bad=()
for f in "$W"/expected/*; do
  name=$(basename "$f")
  total=$((total + 1))
  if [[ $name == *.error ]]; then
    case=${name%.error}
    echo "[[\"$case\",\"$case\",{}]]" > "$W/one.json"
    if run "$W/one.json" "$W/refused" 2> "$W/refused.err"; then
      bad+=("$case")
      echo "jinja2 refuses $case ($(cat "$f")) but downpage rendered it" >&2
    else
      equal=$((equal + 1))
    fi
    continue
  fi
  if cmp -s "$f" "$W/actual/$name"; then
    equal=$((equal + 1))
  else
    bad+=("$name")
    diff -u --label "jinja2/$name" --label "downpage/$name" "$f" "$W/actual/$name" | head -40 >&2 || true
  fi
done
echo "dialects-jinja2: $equal/$total cases byte-equal"
[ "$total" -gt 0 ] || fail "no jinja2 cases found in $CASES"
((${#bad[@]} == 0)) || fail "${#bad[@]} jinja2 case(s) differ from Jinja2: ${bad[*]}"
