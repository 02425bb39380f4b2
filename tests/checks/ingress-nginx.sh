#!/usr/bin/env bash
# DOWNPAGE_TARGETS=ingress-nginx: its ingress-nginx.conf, the nginx server that replaces the
# retired custom-error-pages image, run by Debian's nginx on 127.0.0.1:18310 with the pages
# downpage wrote, sent what ingress-nginx sends (X-Code, X-Format) and Accept-Language:
#   (a) DOWNPAGE_LANGS=en,de,fr,ar,de_AT: the language folder the header prefers (the rules of
#       src/accept_language.rs, the same lines as the nginx snippet), else en; each answer has
#       the X-Code status and is byte for byte the page downpage wrote; the layout the stock
#       image reads (/www/<code>.<ext>, 4xx, 5xx) is still at the top;
#   (b) one language: the pages at the top, by X-Code and X-Format alone.
# nginx is stopped by its pid.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/tools/nginx-lib.sh"
need_apt nginx curl
need_release_binary
S=$(scratch ingress-nginx)
SCRATCH_BODY=$S/body
PORT=18310
if ss -Hltn "sport = :$PORT" | grep -q .; then fail "port $PORT is already in use on this machine"; fi
trap nginx_stop EXIT
U=http://127.0.0.1:$PORT

serve() { # serve NAME VAR=VALUE...: renders into $S/NAME, starts nginx with its ingress-nginx.conf
  local name=$1; shift
  W=$S/$name
  env -i PATH="$PATH" DOWNPAGE_OUTPUT_DIR="$W" DOWNPAGE_TARGETS=ingress-nginx "$@" "$BIN" \
    || fail "downpage did not render ($name)"
  [ -s "$W/ingress-nginx.conf" ] || fail "no ingress-nginx.conf ($name)"
  sed "s/listen 8080;/listen 127.0.0.1:$PORT;/" "$W/ingress-nginx.conf" > "$S/$name-server.conf"
  grep -q "listen 127.0.0.1:$PORT;" "$S/$name-server.conf" || fail "ingress-nginx.conf does not listen on 8080 ($name)"
  chmod -R a+rX "$S"
  nginx_conf_start "$S/$name-nginx" "$S/$name-server.conf" "$PORT" || fail "nginx did not start with ingress-nginx.conf ($name)"
}

echo "== languages"
serve langs DOWNPAGE_LANGS=en,de,fr,ar,de_AT DOWNPAGE_CODES=404,502,503 DOWNPAGE_FORMATS=html,json,txt
for f in 404.html 404.json 502.html 503.json 4xx.html 4xx.json 5xx.html 5xx.json; do
  [ -s "$W/$f" ] || fail "the stock image's /www/$f is missing"
  for l in en de fr ar de-at; do [ -s "$W/$l/$f" ] || fail "$l/$f is missing"; done
done
grep -q 'lang="en"' "$W/503.html" || fail "the top pages are not in the first language"
rc=0
expect_http 200 - "$U/healthz" || rc=1
for case in "${ACCEPT_LANGUAGE_CASES[@]}"; do
  accept_language_case "$case"
  for c in 404 502 503; do
    expect_http "$c" "$W/$lang/$c.html" "$U/x" -H "X-Code: $c" -H 'X-Format: text/html,application/xhtml+xml' "${al[@]}" || rc=1
  done
  expect_http 503 "$W/$lang/503.json" "$U/api" -H 'X-Code: 503' -H 'X-Format: application/json' "${al[@]}" || rc=1
  expect_http 502 "$W/$lang/502.txt" "$U/" -H 'X-Code: 502' -H 'X-Format: text/plain' "${al[@]}" || rc=1
  expect_http 404 "$W/$lang/404.html" "$U/" "${al[@]}" || rc=1                  # no X-Code: unknown host
done
expect_http 404 "$W/de/404.html" "$U/" -H 'X-Code: 418' -H 'Accept-Language: de' || rc=1    # a code without a page
expect_http 404 "$W/de/404.html" "$U/de/502.html" -H 'Accept-Language: de' || rc=1           # pages are internal
nginx_stop
((rc == 0)) || fail "ingress-nginx.conf with languages answered wrongly"

echo "== one language"
serve one DOWNPAGE_LANG=fr DOWNPAGE_CODES=500,503
rc=0
grep -q '$downpage_lang' "$W/ingress-nginx.conf" && { echo "language lines without DOWNPAGE_LANGS" >&2; rc=1; }
expect_http 503 "$W/503.html" "$U/" -H 'X-Code: 503' -H 'Accept-Language: de' || rc=1
expect_http 500 "$W/500.json" "$U/" -H 'X-Code: 500' -H 'X-Format: application/json' || rc=1
expect_http 404 "$W/4xx.html" "$U/" || rc=1                                     # no 404 page: the 4xx class page
expect_http 404 "$W/4xx.json" "$U/" -H 'X-Format: application/json' || rc=1
nginx_stop
((rc == 0)) || fail "ingress-nginx.conf with one language answered wrongly"
echo "ingress-nginx: ok"
