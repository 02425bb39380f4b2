#!/usr/bin/env bash
# End-to-end delivery through a real nginx (Debian's package) on 127.0.0.1, ports 18150-18154:
# downpage renders the pages, their .gz copies and the nginx snippet; nginx includes the
# snippet in front of
#   (a) a port where nothing listens         -> 502 and exactly the generated 502 page
#   (b) an upstream that accepts, never answers, proxy_read_timeout 1s -> 504 and the 504 page
#   (c) Accept-Encoding: gzip                -> the .gz bytes (gzip_static), still 502
#   (d) GET /502.html directly               -> 404 (the pages are internal)
#   (e) an app that answers 503 itself, proxy_intercept_errors on -> 503 and the 503 page
# plus `nginx -t` on snippets with an odd but legal root. nginx is stopped by its pid.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/tools/nginx-lib.sh"

need_apt nginx curl python3 iproute2
need_release_binary

S=$(scratch nginx-e2e)
PORT=18150        # nginx
DEAD=18151        # nothing listens here
SILENT=18152      # accepts connections, never answers
APP=18153         # a second nginx server playing an app that answers 503 itself
mkdir -p "$S/conf"
chmod 755 "$S/conf"

NGINX_PID=
SILENT_PID=
cleanup() {
  nginx_stop
  if [ -n "$SILENT_PID" ]; then kill "$SILENT_PID" 2>/dev/null || true; wait "$SILENT_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

for p in $PORT $DEAD $SILENT $APP; do
  if ss -Hltn "sport = :$p" | grep -q .; then fail "port $p is already in use on this machine"; fi
done

# --- render the pages, the .gz copies and the snippet ---
(cd "$S" && env -i PATH="$PATH" \
  DOWNPAGE_OUTPUT_DIR="$S/pages" DOWNPAGE_GZIP=true DOWNPAGE_NGINX_CONF="$S/conf/downpage.conf" \
  "$BIN") || fail "downpage did not render"
test -s "$S/pages/502.html.gz" || fail "no 502.html.gz written"
grep -q "error_page 502 /502.html;" "$S/conf/downpage.conf" || fail "snippet lacks error_page 502"
grep -q "gzip_static on;" "$S/conf/downpage.conf" || fail "snippet lacks gzip_static with DOWNPAGE_GZIP=true"

servers_conf() { # servers_conf SNIPPET: the server blocks, SNIPPET included in the first
  cat <<EOF
server {
  listen 127.0.0.1:$PORT;
  include $1;
  location /dead/   { proxy_pass http://127.0.0.1:$DEAD; }
  location /silent/ { proxy_pass http://127.0.0.1:$SILENT; proxy_read_timeout 1s; }
  location /app/    { proxy_pass http://127.0.0.1:$APP; proxy_intercept_errors on; }
}
server {
  listen 127.0.0.1:$APP;
  location / { return 503 "the app's own 503 body\n"; }
}
EOF
}

# --- nginx -t on the generated snippet, and on one with an odd but legal root ---
servers_conf "$S/conf/downpage.conf" > "$S/conf/servers.conf"
nginx_conf_write "$S/nginx" "$S/conf/servers.conf" || fail "nginx -t rejects the generated snippet"
mkdir -p "$S/odd"
(cd "$S/odd" && env -i PATH="$PATH" DOWNPAGE_OUTPUT_DIR=pages DOWNPAGE_NGINX_CONF=odd.conf \
  DOWNPAGE_NGINX_ROOT='/srv/my pages;{x} #1' DOWNPAGE_CODES=404,500 "$BIN" 2>/dev/null) \
  || fail "downpage refused a legal root"
grep -q 'root "/srv/my pages;{x} #1";' "$S/odd/odd.conf" || fail "odd root not quoted as expected"
servers_conf "$S/odd/odd.conf" > "$S/conf/odd-servers.conf"
nginx_conf_write "$S/nginx-odd" "$S/conf/odd-servers.conf" || fail "nginx -t rejects a snippet with a quoted odd root"

# --- the silent upstream: accepts connections, reads nothing, never answers; exits by
# itself after 60 s at most ---
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); s.settimeout(0.5)
held, end = [], time.monotonic() + 60
while time.monotonic() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
' "$SILENT" &
SILENT_PID=$!

nginx_conf_start "$S/nginx" "$S/conf/servers.conf" "$PORT" || fail "nginx did not start on 127.0.0.1:$PORT"
for _ in $(seq 50); do
  ss -Hltn "sport = :$SILENT" | grep -q . && break
  sleep 0.1
done

get() { # get NAME PATH [curl args...]: body into $S/NAME.body, prints the status
  local name=$1 path=$2; shift 2
  curl -s --max-time 10 -o "$S/$name.body" -D "$S/$name.headers" -w '%{http_code}' "$@" "http://127.0.0.1:$PORT$path"
}

# (a) dead upstream: 502 and the page, byte for byte
code=$(get a /dead/x)
[ "$code" = 502 ] || fail "(a) dead upstream gave status $code, not 502"
cmp -s "$S/a.body" "$S/pages/502.html" || fail "(a) the 502 body is not the generated 502.html"
echo "ok (a) dead upstream: 502, body = pages/502.html ($(wc -c <"$S/a.body") bytes)"

# (b) silent upstream: 504 after proxy_read_timeout, and the page
code=$(get b /silent/x)
[ "$code" = 504 ] || fail "(b) silent upstream gave status $code, not 504"
cmp -s "$S/b.body" "$S/pages/504.html" || fail "(b) the 504 body is not the generated 504.html"
echo "ok (b) silent upstream: 504, body = pages/504.html"

# (c) gzip: the .gz bytes with Content-Encoding: gzip, status still 502
code=$(get c /dead/x -H 'Accept-Encoding: gzip')
[ "$code" = 502 ] || fail "(c) gzip request gave status $code, not 502"
grep -qi '^content-encoding: gzip' "$S/c.headers" || fail "(c) no Content-Encoding: gzip"
cmp -s "$S/c.body" "$S/pages/502.html.gz" || fail "(c) the body is not pages/502.html.gz"
echo "ok (c) Accept-Encoding: gzip: 502, body = pages/502.html.gz ($(wc -c <"$S/c.body") bytes)"

# (d) the pages are internal
code=$(get d /502.html)
[ "$code" = 404 ] || fail "(d) GET /502.html gave status $code, not 404"
echo "ok (d) GET /502.html: 404"

# (e) an app's own 5xx is replaced with proxy_intercept_errors on, keeping its status
code=$(get e /app/x)
[ "$code" = 503 ] || fail "(e) the app's 503 came back as $code"
cmp -s "$S/e.body" "$S/pages/503.html" || fail "(e) the app's own 503 body was not replaced"
echo "ok (e) app answering 503, proxy_intercept_errors on: 503, body = pages/503.html"

nginx_stop
echo "nginx-e2e: all checks passed"
