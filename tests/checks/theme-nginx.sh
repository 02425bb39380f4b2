#!/usr/bin/env bash
# The built-in theme behind a real nginx (Debian's package) on 127.0.0.1, ports 18300-18302:
#   (a) DOWNPAGE_LANGS=en,de,fr,ar,de_AT,zh_Hans + DOWNPAGE_NGINX_CONF: the 502 page comes in
#       the language the visitor's Accept-Language prefers out of those (q-values to one
#       decimal, ties by header order, q=0 never, de-CH -> de, de-AT -> de-at, zh-CN ->
#       zh-hans), else in the first language (ja, none -> en), and the language pages are
#       not served directly (internal). The same headers go through the rules written in
#       Rust (src/accept_language.rs unit tests); here the real nginx answers;
#   (b) the maintenance recipe of docs/theme.md: while the flag file exists every request gets 503,
#       the maintenance page and Retry-After; without it the app's errors come back.
# nginx is stopped by its pid.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/tools/nginx-lib.sh"

need_apt nginx curl
need_release_binary

S=$(scratch theme-nginx)
PORT=18300    # nginx: the language snippet
MAINT=18301   # nginx: the maintenance recipe
DEAD=18302    # nothing listens here
mkdir -p "$S/conf"
chmod 755 "$S/conf"
NGINX_PID=
trap nginx_stop EXIT
for p in $PORT $MAINT $DEAD; do
  if ss -Hltn "sport = :$p" | grep -q .; then fail "port $p is already in use on this machine"; fi
done

env -i PATH="$PATH" DOWNPAGE_OUTPUT_DIR="$S/langs" DOWNPAGE_LANGS=en,de,fr,ar,de_AT,zh_Hans DOWNPAGE_CODES=502 \
  DOWNPAGE_NGINX_CONF="$S/conf/langs.conf" "$BIN" || fail "downpage did not render the language folders"
grep -q 'error_page 502 /$downpage_lang/502.html;' "$S/conf/langs.conf" \
  || fail "snippet does not pick the language: $(cat "$S/conf/langs.conf")"
env -i PATH="$PATH" DOWNPAGE_OUTPUT_DIR="$S/maint" DOWNPAGE_CODES=502,maintenance \
  DOWNPAGE_VAR_RETRY_AFTER=1800 DOWNPAGE_VAR_MAINTENANCE_UNTIL="14:00 UTC" "$BIN" \
  || fail "downpage did not render the maintenance page"

cat > "$S/conf/servers.conf" <<EOF
server {
  listen 127.0.0.1:$PORT;
  include $S/conf/langs.conf;
  location / { proxy_pass http://127.0.0.1:$DEAD; }
}
server {
  listen 127.0.0.1:$MAINT;
  # the maintenance recipe of docs/theme.md
  error_page 502 /502.html;
  error_page 503 /maintenance.html;
  location = /502.html { root $S/maint; internal; }
  location = /maintenance.html { root $S/maint; internal; add_header Retry-After 1800 always; }
  location / {
    if (-f $S/maint/maintenance.on) { return 503; }
    proxy_pass http://127.0.0.1:$DEAD;
  }
}
EOF
nginx_conf_start "$S/nginx" "$S/conf/servers.conf" "$PORT" || fail "nginx did not start with the configuration (above)"

get() { # get PORT PATH [Accept-Language]: prints the status; body and headers go to $S
  local args=(-s -o "$S/body" -D "$S/headers" -w '%{http_code}')
  [ -n "${3:-}" ] && args+=(-H "Accept-Language: $3")
  curl "${args[@]}" "http://127.0.0.1:$1$2"
}
cases=(
  # Accept-Language => the folder served
  "ja,de;q=0.8 => de"                  # the first language has no pages: the next one
  "de-CH => de"                        # a region matches its language
  "fr;q=0.1,ar => ar"                  # no q is q=1
  "ja,ko;q=0.9,tlh;q=0.5 => en"        # nothing supported: the fallback
  " => en"                             # no header: the fallback
  "dek => en"                          # de is not a prefix of dek
  "de-CH,de;q=0.9,en;q=0.5 => de"
  "fr => fr"
  "FR-fr => fr"                        # any case
  "en-GB,de;q=0.8 => en"
  "fr;q=0.5,de;q=0.5 => fr"            # a tie: the header's order
  "de;q=0.5, fr;q=0.5 => de"
  "ar;q=0.85,de;q=0.8 => ar"           # 0.85 and 0.8 are one level: the order decides
  "de;q=0.81,ar;q=0.89 => de"
  "ar;q=0.7,fr;q=0.9 => fr"
  "de;q=0,fr;q=0.1 => fr"              # q=0: never
  "de;q=0 => en"
  "fr;q=0.05,ja => fr"                 # above 0, under 0.1: still served
  "de-AT,de;q=0.9 => de-at"            # the longer tag first
  "de-at => de-at"
  "zh-CN,zh;q=0.9,en;q=0.8 => zh-hans" # zh-hans takes zh, having no zh folder beside it
  "ar-EG ; q=1.0 , de => ar"           # spaces around ; and ,
)
for case in "${cases[@]}"; do
  lang=${case##*=> }; header=${case% =>*}; header=${header# }
  status=$(get $PORT /some/page "$header")
  [ "$status" = 502 ] || fail "Accept-Language '$header': status $status, not 502"
  cmp -s "$S/body" "$S/langs/$lang/502.html" || fail "Accept-Language '$header': body is not $lang/502.html"
  echo "ok: Accept-Language '$header' -> $lang/502.html"
done
status=$(get $PORT /de/502.html)
if cmp -s "$S/body" "$S/langs/de/502.html" && [ "$status" = 200 ]; then fail "/de/502.html is served directly"; fi

status=$(get $MAINT /shop)
{ [ "$status" = 502 ] && cmp -s "$S/body" "$S/maint/502.html"; } || fail "without the flag: status $status, not the 502 page"
touch "$S/maint/maintenance.on"
status=$(get $MAINT /shop)
[ "$status" = 503 ] || fail "with the flag: status $status, not 503"
cmp -s "$S/body" "$S/maint/maintenance.html" || fail "with the flag: body is not maintenance.html"
grep -qi '^retry-after: 1800' "$S/headers" || fail "with the flag: no Retry-After: 1800 header: $(cat "$S/headers")"
grep -q "We expect to be back by <bdi>14:00 UTC</bdi>." "$S/body" || fail "maintenance page lacks the expected return time"
echo "ok: maintenance flag -> 503, maintenance.html, Retry-After: 1800"
rm "$S/maint/maintenance.on"
status=$(get $MAINT /shop)
[ "$status" = 502 ] || fail "after removing the flag: status $status, not 502"
echo "theme-nginx: language choice and maintenance recipe work in nginx"
