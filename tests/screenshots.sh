#!/usr/bin/env bash
# Regenerates the screenshots (docs/screenshots, shown in README.md and docs/theme.md) of the built-in theme in Debian's Chromium:
#   bash tests/screenshots.sh
# The default 502 and maintenance pages (light and dark, phone 390 px and desktop 1280 px),
# a branded 404 (site name, logo, brand colour, support and status links), and an Arabic 502
# (right to left) and a Japanese maintenance page go to docs/screenshots/*.png. The Noto
# fonts give Chromium Arabic and CJK glyphs (installed here only: the checks need no fonts
# beyond DejaVu). Not part of the test suite: run it after changing the theme and
# look at the pictures.
source "$(dirname "$0")/lib.sh"
need_apt chromium fonts-dejavu-core fonts-noto-core fonts-noto-cjk pngquant
need_npm axe-core@4.14.1 playwright-core@1.65.1 vnu-jar@26.9.27
need_release_binary
W=$(scratch screenshots)
OUT=$ROOT/docs/screenshots
mkdir -p "$OUT"

env -i DOWNPAGE_OUTPUT_DIR="$W/default" DOWNPAGE_CODES=502,maintenance \
  DOWNPAGE_VAR_MAINTENANCE_UNTIL="14:00 UTC" DOWNPAGE_VAR_RETRY_AFTER=1800 "$BIN"
logo='<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" role="img" aria-label="Acme"><rect width="32" height="32" rx="8" fill="#0f766e"/><path d="M9 22l7-13 7 13" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>'
env -i DOWNPAGE_OUTPUT_DIR="$W/branded" DOWNPAGE_CODES=404 DOWNPAGE_VAR_SITE_NAME=Acme \
  DOWNPAGE_VAR_LOGO="$logo" DOWNPAGE_VAR_BRAND_COLOR="#0f766e" DOWNPAGE_VAR_SUPPORT=help@acme.example \
  DOWNPAGE_VAR_STATUS_URL=https://status.acme.example/ "$BIN"
mv "$W/branded/404.html" "$W/branded/branded-404.html"
env -i DOWNPAGE_OUTPUT_DIR="$W/langs" DOWNPAGE_LANGS=ar,ja DOWNPAGE_CODES=502,maintenance \
  DOWNPAGE_VAR_SITE_NAME=Acme DOWNPAGE_VAR_LOGO="$logo" DOWNPAGE_VAR_BRAND_COLOR="#0f766e" \
  DOWNPAGE_VAR_SUPPORT=help@acme.example DOWNPAGE_VAR_MAINTENANCE_UNTIL="14:00 UTC" \
  DOWNPAGE_VAR_RETRY_AFTER=1800 "$BIN"
mv "$W/langs/ar/502.html" "$W/langs/ar-502.html"
mv "$W/langs/ja/maintenance.html" "$W/langs/ja-maintenance.html"

shoot() { NODE_PATH="$TOOLS/node_modules" node "$ROOT/tests/browser/screenshot.js" "$OUT" "$@"; }
shoot 390x780:phone 1280x720:desktop -- "$W/default/502.html" "$W/default/maintenance.html"
shoot 1280x720:desktop -- "$W/branded/branded-404.html"
shoot 390x780:phone 1280x720:desktop -- "$W/langs/ar-502.html" "$W/langs/ja-maintenance.html"
# 256-colour palettes: a tenth of the size, no visible difference on these flat pages
pngquant --quality 60-90 --speed 1 --strip --force --ext .png "$OUT"/*.png
ls -l "$OUT"
