# nginx helpers for every check that runs nginx (source after tests/lib.sh): the one
# nginx.conf preamble, around a file of server blocks (a conf.d file, as the nginx images
# include it inside http {}), run with Debian's nginx on 127.0.0.1 and stopped by its pid.

nginx_conf_write() { # nginx_conf_write DIR SERVER_CONF: writes DIR/nginx.conf around it, checks it with nginx -t
  local dir=$1 server_conf=$2
  mkdir -p "$dir/logs" "$dir/tmp"
  cat > "$dir/nginx.conf" <<CONF
daemon off;
pid $dir/logs/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
  include $server_conf;
}
CONF
  chmod -R a+rX "$dir"
  nginx -t -q -e stderr -p "$dir/" -c "$dir/nginx.conf"
}

nginx_conf_start() { # nginx_conf_start DIR SERVER_CONF PORT: writes DIR/nginx.conf around it, starts nginx, waits for PORT
  local dir=$1 server_conf=$2 port=$3 i
  nginx_conf_write "$dir" "$server_conf" || return 1
  nginx -e stderr -p "$dir/" -c "$dir/nginx.conf" &
  NGINX_PID=$!
  for i in $(seq 50); do
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/" && return 0
    kill -0 "$NGINX_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

nginx_stop() {
  if [ -n "${NGINX_PID:-}" ]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=; fi
}

expect_http() { # expect_http STATUS BODY_FILE|- URL [CURL_ARGS...]: status and (unless -) body byte for byte
  local want=$1 body=$2 url=$3 got; shift 3
  got=$(curl -s -o "$SCRATCH_BODY" -w '%{http_code}' "$@" "$url")
  [ "$got" = "$want" ] || { echo "GET $url $*: status $got, want $want" >&2; return 1; }
  if [ "$body" != - ]; then cmp -s "$SCRATCH_BODY" "$body" || { echo "GET $url $*: body differs from $body" >&2; return 1; }; fi
  echo "ok: $want $url $*"
}

# Accept-Language headers and the folder nginx must serve for them, with language folders
# en (the first), de, fr, ar and de-at: the negotiation rules of src/accept_language.rs, for
# every nginx configuration that includes its lines (helm.sh, ingress-nginx.sh).
ACCEPT_LANGUAGE_CASES=(
  "ja,de;q=0.8 => de"           # no Japanese pages: the next one
  "de-CH => de"                 # a region matches its language
  "fr;q=0.1,ar => ar"           # no q-value is q=1
  "ja,ko;q=0.9,tlh;q=0.5 => en" # nothing supported: the first language
  " => en"                      # no header
  "fr;q=0.5,de;q=0.5 => fr"     # a tie: the header's order
  "de;q=0,fr;q=0.1 => fr"       # q=0: never
  "ar;q=0.85,de;q=0.8 => ar"    # 0.85 and 0.8 are one level: the order decides
  "de-AT,de;q=0.9 => de-at"     # the longer tag first
)

accept_language_case() { # accept_language_case CASE: sets lang (the folder) and al (curl's -H args)
  local header
  lang=${1##*=> }; header=${1% =>*}; header=${header# }
  al=(); [ -n "$header" ] && al=(-H "Accept-Language: $header")
  return 0
}
