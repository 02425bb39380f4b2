#!/usr/bin/env bash
# The Helm chart helm/downpage, checked with the real Helm v4 engine (helm-python-sdk, through
# tests/tools/helm-offline.py; there is no helm binary to install here):
#  - lint --strict with the default values and with each helm/downpage/ci/*-values.yaml;
#  - template for each of them, through kubernetes-validate --strict and checkov;
#  - values.schema.json rejects bad values;
#  - for each of them the pod is run here: the init container with the real binary and
#    exactly the rendered environment and ConfigMaps (tests/tools/pod.py), then Debian's nginx
#    with the chart's own server block on 127.0.0.1, sent X-Code / X-Format headers: the
#    right page byte for byte, with the real status code; with `languages`
#    (ci/languages-values.yaml), Accept-Language picks the language folder through the
#    nginx-lang.conf downpage wrote into the pages volume.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/tools/nginx-lib.sh"
need_apt nginx curl
need_pip helm helm-python-sdk==0.2.2
need_pip kubernetes-validate kubernetes-validate==1.37.0
need_pip yamllint yamllint==1.38.0
need_pip checkov checkov==3.3.30
need_release_binary
W=$(scratch helm)
SCRATCH_BODY=$W/body
CHART=$ROOT/helm/downpage
HELM=("$TOOLS/helm/bin/python" "$ROOT/tests/tools/helm-offline.py")
POD=("$TOOLS/kubernetes-validate/bin/python" "$ROOT/tests/tools/pod.py")
# CKV_K8S_43: the default values pin tags; a digest is one value away (image.digest), shown
# in ci/default-backend-values.yaml, but cannot be the default for an unreleased image.
CHECKOV_SKIP=CKV_K8S_43
port=18220
trap nginx_stop EXIT

echo "-- yamllint values"
"$TOOLS/yamllint/bin/yamllint" -s -c "$ROOT/.yamllint.yaml" "$CHART/values.yaml" "$CHART/Chart.yaml" "$CHART"/ci/*.yaml \
  || fail "yamllint findings in the chart's values"

echo "-- every key of values.yaml is in the chart README's values table"
"$TOOLS/kubernetes-validate/bin/python" - "$CHART/values.yaml" "$CHART/README.md" <<'PY' || fail "helm/downpage/README.md values table is incomplete"
import re, sys, yaml
values = yaml.safe_load(open(sys.argv[1]))
readme = open(sys.argv[2]).read().split("<!-- values:start")[1].split("<!-- values:end")[0]
table = set(re.findall(r"^\| `([^`]+)` \|", readme, re.M))
def leaves(d, prefix=""):
    for k, v in d.items():
        path = prefix + k
        if isinstance(v, dict) and v and path not in table:
            yield from leaves(v, path + ".")
        else:
            yield path
missing = [p for p in leaves(values) if p not in table]
extra = [k for k in table if not any(p == k or p.startswith(k + ".") for p in leaves(values))]
if missing or extra:
    sys.exit(f"missing from the README table: {missing}; in the table but not in values.yaml: {extra}")
print(f"ok: {len(table)} keys documented")
PY

echo "-- values.schema.json rejects bad values"
rejects() { # rejects WHAT --set ...: template must fail
  local what=$1; shift
  if "${HELM[@]}" template t "$CHART" "$@" >/dev/null 2>"$W/err"; then fail "the schema accepted $what"; fi
  echo "rejected $what: $(tr '\n' ' ' < "$W/err" | cut -c1-120)"
}
rejects "a non-DOWNPAGE_ env key" --set env.FOO=1
rejects "the latest tag" --set image.tag=latest
rejects "status code 200" --set 'codes={200}'
rejects "an unknown format" --set 'formats={pdf}'
rejects "an unknown key" --set nope=1
rejects "a language that is no tag" --set 'languages={de at}'

echo "-- the optional resources switched off: lint, template, kubernetes-validate"
OFF=(--set networkPolicy.enabled=false --set serviceAccount.create=false --set podDisruptionBudget.enabled=false
     --set fullnameOverride=errors --set service.type=NodePort --set 'formats={txt}')
"${HELM[@]}" lint "$CHART" --strict "${OFF[@]}" >/dev/null || fail "helm lint --strict with the options off"
"${HELM[@]}" template rel "$CHART" -n error-pages "${OFF[@]}" > "$W/off.yaml" || fail "helm template with the options off"
for kind in NetworkPolicy ServiceAccount PodDisruptionBudget; do
  grep -q "^kind: $kind" "$W/off.yaml" && fail "$kind rendered although switched off"
done
grep -q 'serviceAccountName: default' "$W/off.yaml" || fail "serviceAccount.create=false should use the default ServiceAccount"
grep -q 'default txt;' "$W/off.yaml" || fail "formats={txt} should make txt nginx's default variant"
"$TOOLS/kubernetes-validate/bin/kubernetes-validate" --strict --quiet -k 1.37 "$W/off.yaml" || fail "kubernetes-validate (options off)"
echo "ok: options off render and validate"

run_case() { # run_case NAME [-f VALUES]
  local name=$1; shift
  local out=$W/$name.yaml
  echo "== $name"
  "${HELM[@]}" lint "$CHART" --strict --kube-version v1.30.0 "$@" || fail "helm lint --strict ($name)"
  "${HELM[@]}" template rel "$CHART" -n error-pages "$@" > "$out" || fail "helm template ($name)"
  test -s "$out" || fail "helm template printed nothing ($name)"
  grep '^kind:' "$out" | sort | uniq -c
  for v in 1.30 1.37; do
    "$TOOLS/kubernetes-validate/bin/kubernetes-validate" --strict --quiet -k "$v" "$out" \
      || fail "kubernetes-validate --strict -k $v ($name)"
  done
  "$TOOLS/checkov/bin/checkov" --quiet --compact --skip-download --framework kubernetes \
    --skip-check "$CHECKOV_SKIP" -f "$out" > "$W/checkov.txt" || { cat "$W/checkov.txt"; fail "checkov findings ($name)"; }
  cat "$W/checkov.txt"

  # the pod, run here
  local P=$W/$name-pod
  mkdir -p "$P"; chmod 755 "$P"
  "${POD[@]}" run "$out" Deployment/rel-downpage downpage --root "$P" --bin "$BIN" || fail "the init container failed ($name)"
  PAGES=$P/volumes/pages
  "${POD[@]}" data "$out" rel-downpage-nginx default.conf \
    | "${POD[@]}" remap "$out" Deployment/rel-downpage nginx --root "$P" \
    | sed "s/listen 8080;/listen 127.0.0.1:$port;/" > "$W/$name-server.conf"
  grep -q "listen 127.0.0.1:$port;" "$W/$name-server.conf" || fail "could not move nginx to loopback ($name)"
  nginx_conf_start "$W/$name-nginx" "$W/$name-server.conf" "$port" || fail "nginx did not start with the chart's config ($name)"
}
U=http://127.0.0.1:$port

run_case default
rc=0
expect_http 200 - "$U/healthz" || rc=1
expect_http 503 "$PAGES/503.html" "$U/" -H 'X-Code: 503' || rc=1
expect_http 502 "$PAGES/502.html" "$U/any/path" -H 'X-Code: 502' -H 'X-Format: text/html,application/xhtml+xml' || rc=1
expect_http 503 "$PAGES/503.json" "$U/api" -H 'X-Code: 503' -H 'X-Format: application/json' || rc=1
expect_http 200 "$PAGES/502.html" "$U/502.html" || rc=1
expect_http 404 "$PAGES/404.html" "$U/nope" || rc=1
nginx_stop
((rc == 0)) || fail "nginx with the default values answered wrongly"

run_case default-backend -f "$CHART/ci/default-backend-values.yaml"
rc=0
expect_http 200 - "$U/healthz" || rc=1
for c in 404 500 502 503 504; do expect_http "$c" "$PAGES/$c.html" "$U/x" -H "X-Code: $c" || rc=1; done
expect_http 504 "$PAGES/504.json" "$U/" -H 'X-Code: 504' -H 'X-Format: application/json' || rc=1
expect_http 500 "$PAGES/500.txt" "$U/" -H 'X-Code: 500' -H 'X-Format: text/plain' || rc=1
expect_http 404 "$PAGES/404.html" "$U/" || rc=1                     # no X-Code: unknown host
expect_http 404 "$PAGES/404.html" "$U/" -H 'X-Code: 418' || rc=1    # a code not configured
expect_http 404 "$PAGES/404.html" "$U/502.html" || rc=1             # pages are internal
expect_http 404 "$PAGES/404.html" "$U/" -H 'X-Code: ../../etc' || rc=1
nginx_stop
((rc == 0)) || fail "nginx as the default backend answered wrongly"

run_case templates -f "$CHART/ci/templates-values.yaml"
rc=0
grep -q 'class="acme"' "$PAGES/502.html" || { echo "502.html does not use the base.html from values" >&2; rc=1; }
grep -q 'Acme Shop is down for maintenance' "$PAGES/503.html" || { echo "503.html is not the template from values" >&2; rc=1; }
grep -q 'Back at 10:00 UTC.' "$PAGES/503.html" || { echo "DOWNPAGE_CONTEXT from env did not reach 503.html" >&2; rc=1; }
expect_http 503 "$PAGES/503.html" "$U/" -H 'X-Code: 503' || rc=1
expect_http 503 "$PAGES/503.html" "$U/" -H 'X-Code: 503' -H 'X-Format: application/json' || rc=1  # no 503.json: the HTML page
expect_http 502 "$PAGES/502.json" "$U/" -H 'X-Code: 502' -H 'X-Format: application/json' || rc=1
nginx_stop
((rc == 0)) || fail "nginx with templates from values answered wrongly"
echo "-- languages: DOWNPAGE_LANGS, and DOWNPAGE_TARGETS keeps nginx beside the user's targets"
"${HELM[@]}" template rel "$CHART" -n error-pages -f "$CHART/ci/languages-values.yaml" \
  --set env.DOWNPAGE_TARGETS=cloudflare > "$W/lang-env.yaml" || fail "helm template (languages + env targets)"
grep -A1 'name: DOWNPAGE_TARGETS' "$W/lang-env.yaml" | grep -q 'value: "cloudflare,nginx"' \
  || fail "languages with env.DOWNPAGE_TARGETS=cloudflare should give DOWNPAGE_TARGETS=cloudflare,nginx"
grep -q 'nginx-lang.conf' "$W/default.yaml" && fail "without languages the chart's nginx must not include nginx-lang.conf"
echo "ok: DOWNPAGE_TARGETS=cloudflare,nginx; no language lines without languages"

run_case languages -f "$CHART/ci/languages-values.yaml"
rc=0
"${POD[@]}" vars "$W/languages.yaml" Deployment/rel-downpage downpage > "$W/languages-vars.txt"
grep -qx DOWNPAGE_LANGS "$W/languages-vars.txt" || { echo "no DOWNPAGE_LANGS in the init container" >&2; rc=1; }
[ -s "$PAGES/nginx-lang.conf" ] || { echo "downpage wrote no nginx-lang.conf into the pages volume" >&2; rc=1; }
grep -q 'lang="de"' "$PAGES/de/503.html" || { echo "de/503.html is not German" >&2; rc=1; }
expect_http 200 - "$U/healthz" || rc=1
for case in "${ACCEPT_LANGUAGE_CASES[@]}"; do
  accept_language_case "$case"
  for c in 503 404; do
    expect_http "$c" "$PAGES/$lang/$c.html" "$U/x" -H "X-Code: $c" "${al[@]}" || rc=1
  done
  expect_http 502 "$PAGES/$lang/502.json" "$U/api" -H 'X-Code: 502' -H 'X-Format: application/json' "${al[@]}" || rc=1
  expect_http 404 "$PAGES/$lang/404.html" "$U/" "${al[@]}" || rc=1   # no X-Code: unknown host
done
expect_http 404 "$PAGES/de/404.html" "$U/de/502.html" -H 'Accept-Language: de' || rc=1     # pages are internal
expect_http 404 "$PAGES/de/404.html" "$U/nginx-lang.conf" -H 'Accept-Language: de' || rc=1 # nor are the nginx files
nginx_stop
# standalone (defaultBackend off, same environment, so the same pages): pages fetchable per folder
"${HELM[@]}" template rel "$CHART" -n error-pages -f "$CHART/ci/languages-values.yaml" --set defaultBackend.enabled=false > "$W/lang-standalone.yaml" \
  || fail "helm template (languages, standalone)"
"${POD[@]}" data "$W/lang-standalone.yaml" rel-downpage-nginx default.conf \
  | "${POD[@]}" remap "$W/lang-standalone.yaml" Deployment/rel-downpage nginx --root "$W/languages-pod" \
  | sed "s/listen 8080;/listen 127.0.0.1:$port;/" > "$W/lang-standalone.conf"
nginx_conf_start "$W/lang-standalone-nginx" "$W/lang-standalone.conf" "$port" || fail "nginx did not start (languages, standalone)"
expect_http 200 "$PAGES/de/502.html" "$U/de/502.html" || rc=1
expect_http 503 "$PAGES/ar/503.html" "$U/" -H 'X-Code: 503' -H 'Accept-Language: fr;q=0.1,ar' || rc=1
expect_http 404 "$PAGES/de/404.html" "$U/nope" -H 'Accept-Language: de-CH' || rc=1
expect_http 404 "$PAGES/en/404.html" "$U/nginx-lang.conf" || rc=1   # downpage's nginx files are not served
expect_http 404 "$PAGES/en/404.html" "$U/nginx.conf" || rc=1
nginx_stop
((rc == 0)) || fail "nginx with languages answered wrongly"
echo "helm: ok"
