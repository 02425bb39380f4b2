#!/usr/bin/env bash
# The built-in theme, checked in real tools: renders every built-in page (every code and
# the maintenance page) in every language, twice — with no settings, and with every theme
# setting (site name, logo, brand colour, support, status page, maintenance words) — then:
#   - the Nu HTML checker (vnu) finds no error and no warning;
#   - axe-core (WCAG 2.1 A/AA + best practice) finds no violation in Debian's Chromium, in
#     light and in dark colour scheme;
#   - Chromium sees no request besides the page itself (a canary page proves it would);
#   - every page is at most 10 KB;
#   - the right-to-left pages (ar, he) have dir="rtl" and the English layout mirrored, at a
#     desktop and a phone width, with nothing scrolling sideways (tests/browser/check-rtl.js;
#     an Arabic page stripped of its dir="rtl" proves the check would fail).
source "$(dirname "$0")/../lib.sh"
need_apt chromium fonts-dejavu-core
command -v java >/dev/null || need_apt default-jre-headless
need_npm axe-core@4.14.1 playwright-core@1.65.1 vnu-jar@26.9.27
need_release_binary
W=$(scratch theme-a11y)

langs=$(cd "$ROOT/src/builtin/catalog" && ls ./*.json | sed 's#^\./##; s#\.json$##' | paste -sd, -)
codes=$(sed -n 's/^ *"\([0-9][0-9][0-9]\)": {.*/\1/p' "$ROOT/src/builtin/catalog/en.json" | paste -sd, -)
[ -n "$langs" ] && [ -n "$codes" ] || fail "could not list the languages or codes"

logo='<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" role="img" aria-label="Acme"><rect width="32" height="32" rx="8" fill="#0f766e"/><path d="M9 22l7-13 7 13" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>'
render() { # render DIR [VAR=value...]: every page in every language into DIR
  local dir=$1; shift
  env -i PATH="$PATH" DOWNPAGE_OUTPUT_DIR="$dir" DOWNPAGE_LANGS="$langs" \
    DOWNPAGE_CODES="$codes,maintenance" "$@" "$BIN" || fail "rendering $dir"
}
render "$W/plain"
render "$W/branded" DOWNPAGE_VAR_SITE_NAME="Acme Cloud" DOWNPAGE_VAR_LOGO="$logo" \
  DOWNPAGE_VAR_BRAND_COLOR="#e8590c" DOWNPAGE_VAR_SUPPORT="help@acme.example" \
  DOWNPAGE_VAR_STATUS_URL="https://status.acme.example/" DOWNPAGE_VAR_HOME_URL="https://acme.example/" \
  DOWNPAGE_VAR_MAINTENANCE_MESSAGE="We are moving to a faster database." \
  DOWNPAGE_VAR_MAINTENANCE_UNTIL="14:00 UTC" DOWNPAGE_VAR_RETRY_AFTER=1800
mapfile -t pages < <(find "$W/plain" "$W/branded" -name '*.html' | sort)
echo "rendered ${#pages[@]} pages ($(echo "$langs" | tr , ' '))"

big=$(find "$W/plain" "$W/branded" -name '*.html' -size +10240c)
[ -z "$big" ] || fail "pages over 10 KB: $big"
largest=$(find "$W/plain" "$W/branded" -name '*.html' -printf '%s %P\n' | sort -n | tail -1)
echo "largest page (bytes, file): $largest"

echo "== Nu HTML checker"
java -jar "$TOOLS/node_modules/vnu-jar/build/dist/vnu.jar" --Werror --format gnu "${pages[@]}" \
  || fail "the Nu HTML checker found errors or warnings (above)"

echo "== Chromium: axe-core WCAG 2.1 AA, light and dark; network requests"
cat > "$W/canary.html" <<'HTML'
<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>canary</title></head>
<body><main><h1>canary</h1><img src="http://127.0.0.1:18399/pixel.png" alt=""></main></body></html>
HTML
status=0
NODE_PATH="$TOOLS/node_modules" node "$ROOT/tests/browser/check-pages.js" --canary "$W/canary.html" "${pages[@]}" \
  > "$W/browser.log" 2>&1 || status=$?
head -40 "$W/browser.log"
[ "$status" = 0 ] || fail "axe-core violations or network requests (above; all in $W/browser.log)"

echo "== Chromium: right-to-left pages mirror the English ones"
mkdir -p "$W/canary-rtl/en" "$W/canary-rtl/ar"
cp "$W/plain/en/502.html" "$W/canary-rtl/en/"
sed 's/ dir="rtl"//' "$W/plain/ar/502.html" > "$W/canary-rtl/ar/502.html"
if NODE_PATH="$TOOLS/node_modules" node "$ROOT/tests/browser/check-rtl.js" "$W/canary-rtl/en" "$W/canary-rtl/ar" > "$W/rtl-canary.log" 2>&1; then
  fail "an Arabic page without dir=\"rtl\" passed the right-to-left check: the check is broken"
fi
status=0
for set in plain branded; do
  NODE_PATH="$TOOLS/node_modules" node "$ROOT/tests/browser/check-rtl.js" "$W/$set/en" "$W/$set/ar" "$W/$set/he" \
    >> "$W/rtl.log" 2>&1 || status=$?
done
tail -40 "$W/rtl.log"
[ "$status" = 0 ] || fail "right-to-left pages are not mirrored (above; all in $W/rtl.log)"
echo "theme-a11y: ${#pages[@]} pages pass vnu, axe (light and dark) and make no request; the ar and he pages mirror English"
