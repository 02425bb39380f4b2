#!/usr/bin/env bash
# Static assets against manifests made by the real tools: a tiny Django project's
# `collectstatic` with ManifestStaticFilesStorage, and a tiny Vite project's build. downpage
# renders pages referencing their CSS and images; the check compares the exact hashed URLs
# with the manifests, checks self-contained output with Python's HTML parser (no local
# reference left, inlined image bytes equal the originals), then opens the self-contained
# pages in headless Chromium from an empty folder, offline, with the static folders gone,
# and checks from computed styles that the site's CSS, images, font and script applied.
# Also: the clear errors against a real manifest, each with nothing written.
source "$(dirname "$0")/../lib.sh"

DJANGO_VERSION=5.2.19
VITE_VERSION=7.3.8
PLAYWRIGHT_VERSION=1.65.1

need_apt chromium fonts-dejavu-core python3-venv
need_pip venv-django "Django==$DJANGO_VERSION"
need_npm "vite@$VITE_VERSION" "playwright-core@$PLAYWRIGHT_VERSION"
need_release_binary
W=$(scratch assets-frameworks)
PY=$TOOLS/venv-django/bin/python
HELPERS=$ROOT/tests/helpers
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Oblique.ttf
[ -s "$FONT" ] || fail "font $FONT missing (fonts-dejavu-core)"

# Two small PNGs (a logo and a background), made here so their bytes are known.
png() { # png FILE R G B W H
  python3 - "$@" <<'PY'
import struct, sys, zlib
path, r, g, b, w, h = sys.argv[1], *map(int, sys.argv[2:])
raw = b"".join(b"\0" + bytes([r, g, b]) * w for _ in range(h))
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                       + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
}

run() { # run OUTDIR ENV...: downpage with a cleared environment
  local out=$1; shift
  env -i PATH=/usr/bin:/bin DOWNPAGE_OUTPUT_DIR="$out" "$@" "$BIN"
}

# ---------------------------------------------------------------- Django collectstatic
D=$W/django
mkdir -p "$D/assets/css" "$D/assets/img" "$D/assets/fonts" "$D/templates"
png "$D/assets/img/logo.png" 200 30 40 24 12
png "$D/assets/img/bg.png" 10 120 200 4 4
cp "$FONT" "$D/assets/fonts/brand.ttf"
cat > "$D/assets/css/site.css" <<'CSS'
@import url("base.css");
@font-face { font-family: "BrandFont"; src: url("../fonts/brand.ttf") format("truetype"); }
h1 { color: rgb(200, 10, 20); font-family: "BrandFont", monospace; background-image: url("../img/bg.png"); }
.cdn { background-image: url("https://cdn.example.com/pattern.png"); }
CSS
cat > "$D/assets/css/base.css" <<'CSS'
body { background-color: rgb(1, 2, 3); color: rgb(250, 250, 250); }
CSS
cat > "$D/settings.py" <<'PY'
from pathlib import Path
BASE = Path(__file__).resolve().parent
SECRET_KEY = "downpage-test"
INSTALLED_APPS = ["django.contrib.staticfiles"]
STATIC_URL = "/static/"
STATIC_ROOT = BASE / "collected"
STATICFILES_DIRS = [BASE / "assets"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
PY
(cd "$D" && PYTHONPATH=. DJANGO_SETTINGS_MODULE=settings "$PY" -m django collectstatic --noinput -v 0) \
  || fail "django collectstatic failed"
[ -s "$D/collected/staticfiles.json" ] || fail "collectstatic wrote no staticfiles.json"

# The site's template, as a Django developer writes it after the README's conversion:
# {% load static %}...{% static 'css/site.css' %} -> {{ static(path='css/site.css') }}.
cat > "$D/templates/502.html" <<'HTML'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ code }} {{ title }}</title>
<link rel="stylesheet" href="{{ static(path='css/site.css') }}">
<link rel="icon" href="{{ static(path='img/logo.png') }}">
</head><body><h1>{{ title }}</h1>
<img id="logo" src="{{ static(path='img/logo.png') }}" alt="Example" width="24" height="12">
<p class="cdn">Back soon.</p></body></html>
HTML

want() { "$PY" -c 'import json,sys; print("/static/" + json.load(open(sys.argv[1]))["paths"][sys.argv[2]])' "$D/collected/staticfiles.json" "$1"; }
CSS_URL=$(want css/site.css)
LOGO_URL=$(want img/logo.png)
[[ $CSS_URL =~ ^/static/css/site\.[0-9a-f]{12}\.css$ ]] || fail "unexpected Django hashed name $CSS_URL"

DJ=(DOWNPAGE_TEMPLATE_DIR="$D/templates" DOWNPAGE_STATIC_ROOT="$D/collected" DOWNPAGE_PAGES=502.html=502.html)
run "$D/out" "${DJ[@]}" 2>"$W/log" || fail "django page: $(cat "$W/log")"
grep -qF "<link rel=\"stylesheet\" href=\"$CSS_URL\">" "$D/out/502.html" || fail "django: stylesheet is not $CSS_URL: $(cat "$D/out/502.html")"
grep -qF "<img id=\"logo\" src=\"$LOGO_URL\"" "$D/out/502.html" || fail "django: logo is not $LOGO_URL"
grep -qF "<link rel=\"icon\" href=\"$LOGO_URL\">" "$D/out/502.html" || fail "django: icon is not $LOGO_URL"
echo "django: hashed URLs $CSS_URL, $LOGO_URL"

run "$D/sc" "${DJ[@]}" DOWNPAGE_SELF_CONTAINED=true 2>"$W/log" || fail "django self-contained: $(cat "$W/log")"
grep -q "warning: page 502.html: 1 external URL left as it is .*https://cdn.example.com/pattern.png" "$W/log" \
  || fail "django: no warning about the external URL: $(cat "$W/log")"
python3 "$HELPERS/page_refs.py" self-contained "$D/sc/502.html" \
  "img#logo=$D/assets/img/logo.png" "css=$D/assets/img/bg.png" "css=$D/assets/fonts/brand.ttf" \
  || fail "django self-contained page"

# Clear errors against the real manifest: nothing written, the earlier page intact.
expect_error() { # expect_error NEEDLE ENV...
  local needle=$1; shift
  cp "$D/out/502.html" "$W/before.html"
  if run "$D/out" "${DJ[@]}" "$@" 2>"$W/err"; then fail "expected an error with $needle"; fi
  grep -qF -- "$needle" "$W/err" || fail "error lacks \"$needle\": $(cat "$W/err")"
  cmp -s "$D/out/502.html" "$W/before.html" || fail "a failed run changed the earlier page"
  [ "$(find "$D/out" -type f | wc -l)" = 1 ] || fail "a failed run left files: $(ls -A "$D/out")"
  echo "clear error: $(cat "$W/err")"
}
sed -i "s|css/site.css|css/sitee.css|" "$D/templates/502.html"
expect_error 'static file "css/sitee.css" is not in the Django staticfiles.json' 
expect_error 'did you mean "css/site.css"'
sed -i "s|css/sitee.css|css/site.css|" "$D/templates/502.html"
expect_error "reading manifest $D/collected/nope.json" DOWNPAGE_STATIC_MANIFEST="$D/collected/nope.json"
echo '{"paths": {"a": 1}}' > "$W/odd.json"
expect_error "manifest $W/odd.json has an unknown shape" DOWNPAGE_STATIC_MANIFEST="$W/odd.json"
sed -i "s|{{ title }}</h1>|{{ inline(path='../settings.py') }}</h1>|" "$D/templates/502.html"
expect_error 'static path "../settings.py" contains ".."'
sed -i "s|{{ inline(path='../settings.py') }}</h1>|{{ title }}</h1>|" "$D/templates/502.html"
expect_error "more than DOWNPAGE_MAX_PAGE_BYTES=16384" DOWNPAGE_SELF_CONTAINED=true DOWNPAGE_MAX_PAGE_BYTES=16k

# ---------------------------------------------------------------- Vite build
V=$W/vite
mkdir -p "$V/src" "$V/templates"
png "$V/src/logo.png" 20 160 60 16 16
png "$V/src/bg.png" 90 20 140 4 4
cat > "$V/src/main.css" <<'CSS'
body { background-color: rgb(4, 5, 6); background-image: url("./bg.png"); }
CSS
cat > "$V/src/app.css" <<'CSS'
h1 { color: rgb(11, 22, 33); }
.logo { background-image: url("./logo.png"); width: 16px; height: 16px; }
CSS
cat > "$V/src/main.js" <<'JS'
import "./app.css";
document.documentElement.dataset.js = "ran";
JS
cat > "$V/vite.config.mjs" <<'JS'
export default {
  base: "/static/",
  logLevel: "warn",
  build: {
    manifest: true,
    outDir: "dist",
    assetsInlineLimit: 0,
    rollupOptions: { input: ["src/main.css", "src/main.js"] },
  },
};
JS
(cd "$V" && node "$TOOLS/node_modules/vite/bin/vite.js" build) >"$W/vite.log" 2>&1 || fail "vite build: $(cat "$W/vite.log")"
VM=$V/dist/.vite/manifest.json
[ -s "$VM" ] || fail "vite wrote no .vite/manifest.json"
vwant() { node -e 'const m=require(process.argv[1]); const e=m[process.argv[2]]; console.log("/static/" + (process.argv[3] ? e.css[0] : e.file))' "$VM" "$@"; }
MAIN_CSS=$(vwant src/main.css)
APP_CSS=$(vwant src/main.js css)
MAIN_JS=$(vwant src/main.js)
VLOGO=$(vwant src/logo.png)
cat > "$V/templates/503.html" <<'HTML'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="{{ static(path='src/main.css') }}">
{% for css in static_css(path='src/main.js') %}<link rel="stylesheet" href="{{ css | safe }}">{% endfor %}
<script type="module" src="{{ static(path='src/main.js') }}"></script>
</head><body><h1>{{ title }}</h1><div class="logo"></div>
<img id="logo" src="{{ static(path='src/logo.png') }}" alt="Example"></body></html>
HTML
VT=(DOWNPAGE_TEMPLATE_DIR="$V/templates" DOWNPAGE_STATIC_ROOT="$V/dist" DOWNPAGE_PAGES=503.html=503.html)
run "$V/out" "${VT[@]}" 2>"$W/log" || fail "vite page: $(cat "$W/log")"
for ref in "href=\"$MAIN_CSS\"" "href=\"$APP_CSS\"" "src=\"$MAIN_JS\"" "src=\"$VLOGO\""; do
  grep -qF "$ref" "$V/out/503.html" || fail "vite: page lacks $ref: $(cat "$V/out/503.html")"
done
[[ $MAIN_CSS =~ ^/static/assets/main-[A-Za-z0-9_-]{8}\.css$ ]] || fail "unexpected Vite hashed name $MAIN_CSS"
echo "vite: hashed URLs $MAIN_CSS, $APP_CSS, $MAIN_JS, $VLOGO (found by .vite/manifest.json)"
run "$V/sc" "${VT[@]}" DOWNPAGE_SELF_CONTAINED=true 2>"$W/log" || fail "vite self-contained: $(cat "$W/log")"
python3 "$HELPERS/page_refs.py" self-contained "$V/sc/503.html" \
  "img#logo=$V/src/logo.png" "css=$V/src/bg.png" "css=$V/src/logo.png" || fail "vite self-contained page"

# ---------------------------------------------------------------- Chromium, offline
# The pages alone, in an empty folder; the static folders moved away.
EMPTY=$W/empty
mkdir -p "$EMPTY"
cp "$D/sc/502.html" "$EMPTY/django.html"
cp "$V/sc/503.html" "$EMPTY/vite.html"
mv "$D/collected" "$W/gone-collected"
mv "$V/dist" "$W/gone-dist"
cat > "$W/django.json" <<'JSON'
[{"selector": "body", "property": "background-color", "equals": "rgb(1, 2, 3)"},
 {"selector": "h1", "property": "color", "equals": "rgb(200, 10, 20)"},
 {"selector": "h1", "property": "background-image", "startsWith": "url(\"data:image/png;base64,"},
 {"font": "BrandFont"},
 {"image": "#logo"},
 {"allowRequest": "https://cdn.example.com/"}]
JSON
cat > "$W/vite.json" <<'JSON'
[{"selector": "body", "property": "background-color", "equals": "rgb(4, 5, 6)"},
 {"selector": "body", "property": "background-image", "startsWith": "url(\"data:image/png;base64,"},
 {"selector": "h1", "property": "color", "equals": "rgb(11, 22, 33)"},
 {"selector": ".logo", "property": "background-image", "startsWith": "url(\"data:image/png;base64,"},
 {"image": "#logo"},
 {"script": "document.documentElement.dataset.js", "equals": "ran"}]
JSON
NODE_PATH=$TOOLS/node_modules node "$HELPERS/offline-style.js" "$EMPTY/django.html" "$W/django.json" \
  || fail "django page in Chromium (screenshot: $EMPTY/django.png)"
NODE_PATH=$TOOLS/node_modules node "$HELPERS/offline-style.js" "$EMPTY/vite.html" "$W/vite.json" \
  || fail "vite page in Chromium (screenshot: $EMPTY/vite.png)"
mv "$W/gone-collected" "$D/collected"
mv "$W/gone-dist" "$V/dist"
echo "assets-frameworks: ok"
