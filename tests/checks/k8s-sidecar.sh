#!/usr/bin/env bash
# The native-sidecar example (k8s/examples/sidecar), checked with real tools and run for real:
#  - yamllint; `kubectl kustomize`, then kubernetes-validate --strict for Kubernetes 1.30 and
#    1.37; checkov (skips below, justified);
#  - the pod, without a cluster: the example's ConfigMaps are laid out as the kubelet mounts
#    them (a timestamped folder, `..data` -> it, one `key -> ..data/key` link per key), the
#    downpage sidecar runs the real binary with exactly the manifest's environment (mount
#    paths mapped to local folders; only DOWNPAGE_WATCH_INTERVAL is shortened), its
#    startupProbe command decides when nginx may start, and Debian's nginx serves the
#    example's own server block in front of a dead app. Then the ConfigMaps are updated the
#    kubelet's way (a `..data` swap): a changed template reaches nginx's 502 answer, a page
#    dropped from the list is removed, a broken template keeps the last good page and fails
#    the probe, a fix heals it, and SIGTERM ends the sidecar with status 0 and no leftovers.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/tools/nginx-lib.sh"
need_apt nginx curl
need_pip kubernetes-validate kubernetes-validate==1.37.0
need_pip yamllint yamllint==1.38.0
need_pip checkov checkov==3.3.30
need_release_binary
W=$(scratch k8s-sidecar)
EX=$ROOT/k8s/examples/sidecar
PY=$TOOLS/kubernetes-validate/bin/python # has PyYAML
# checkov skips: CKV_K8S_43 (image digests): tags are pinned, a digest can only be known for a
# released image, so the deploying overlay adds it. CKV_K8S_21 (default namespace): an example
# leaves the namespace to `kubectl apply -k ... -n NS`.
CHECKOV_SKIP=CKV_K8S_43,CKV_K8S_21

echo "-- yamllint k8s/examples/sidecar"
"$TOOLS/yamllint/bin/yamllint" -s -d '{extends: default, rules: {line-length: {max: 160}, document-start: disable, truthy: {check-keys: false}, braces: {max-spaces-inside: 1}, brackets: {max-spaces-inside: 1}, comments: {min-spaces-from-content: 1}}}' "$EX" \
  || fail "yamllint findings in k8s/examples/sidecar"

OUT=$W/sidecar.yaml
echo "-- kubectl kustomize k8s/examples/sidecar"
kubectl kustomize "$EX" > "$OUT" || fail "kubectl kustomize k8s/examples/sidecar"
test -s "$OUT" || fail "kubectl kustomize printed nothing"
grep '^kind:' "$OUT" | sort | uniq -c
for v in 1.30 1.37; do
  "$TOOLS/kubernetes-validate/bin/kubernetes-validate" --strict --quiet -k "$v" "$OUT" \
    || fail "kubernetes-validate --strict -k $v on k8s/examples/sidecar"
done
echo "kubernetes-validate --strict: ok for 1.30 and 1.37"
echo "-- checkov"
"$TOOLS/checkov/bin/checkov" --quiet --compact --skip-download --framework kubernetes \
  --skip-check "$CHECKOV_SKIP" -f "$OUT" > "$W/checkov.txt" \
  || { cat "$W/checkov.txt"; fail "checkov findings on k8s/examples/sidecar"; }
cat "$W/checkov.txt"

echo "-- the pod, run here"
P=$W/pod
mkdir -p "$P"
# pod.py: reads the rendered manifest; `layout` writes every ConfigMap volume the kubelet's
# way and creates the emptyDirs, `swap NAME KEY FILE|-` updates one key through a new
# timestamped folder and a `..data` rename, `env` prints the sidecar's environment with its
# mount paths mapped (NUL-separated NAME=VALUE), `probe` its startupProbe command.
cat > "$W/pod.py" <<'PY'
import os, re, sys, time, yaml
out, root, cmd = sys.argv[1], sys.argv[2], sys.argv[3]
docs = [d for d in yaml.safe_load_all(open(out)) if d]
dep = next(d for d in docs if d["kind"] == "Deployment")
spec = dep["spec"]["template"]["spec"]
side = next(c for c in spec["initContainers"] if c["name"] == "downpage")
assert side.get("restartPolicy") == "Always", "the downpage init container is not a native sidecar"
cms = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
vols = {v["name"]: v for v in spec["volumes"]}
def vdir(name): return os.path.join(root, "volumes", name)
def cm_of(vol): return vols[vol]["configMap"]["name"]
def publish(vol, data):
    d = vdir(vol); os.makedirs(d, exist_ok=True)
    stamp = "..%s.%d" % (time.strftime("%Y_%m_%d_%H_%M_%S"), time.monotonic_ns())
    os.mkdir(os.path.join(d, stamp))
    for k, v in data.items():
        open(os.path.join(d, stamp, k), "w").write(v)
        link = os.path.join(d, k)
        if not os.path.islink(link): os.symlink("..data/" + k, link)
    old = os.readlink(os.path.join(d, "..data")) if os.path.islink(os.path.join(d, "..data")) else None
    os.symlink(stamp, os.path.join(d, "..data_tmp"))
    os.rename(os.path.join(d, "..data_tmp"), os.path.join(d, "..data"))
    for k in os.listdir(d):  # keys that left the ConfigMap lose their link
        if not k.startswith("..") and k not in data: os.remove(os.path.join(d, k))
    if old: __import__("shutil").rmtree(os.path.join(d, old))
if cmd == "layout":
    for name, v in vols.items():
        if "configMap" in v: publish(name, cms[cm_of(name)])
        else: os.makedirs(vdir(name), exist_ok=True)
elif cmd == "swap":
    vol, key, src = sys.argv[4:7]
    d = os.path.join(vdir(vol), "..data")
    data = {k: open(os.path.join(d, k)).read() for k in os.listdir(d)}
    if src == "-": data.pop(key)
    else: data[key] = open(src).read()
    publish(vol, data)
elif cmd in ("env", "mounts"):
    mounts = sorted(((m["mountPath"], vdir(m["name"])) for m in side["volumeMounts"]), key=lambda m: -len(m[0]))
    def remap(v):
        for mp, d in mounts:
            if v == mp or v.startswith(mp + "/"): return d + v[len(mp):]
        return v
    if cmd == "mounts":
        for c in spec["containers"]:
            for m in c["volumeMounts"]: print(m["mountPath"], vdir(m["name"]))
    else:
        sys.stdout.write("".join("%s=%s\0" % (e["name"], remap(e["value"])) for e in side["env"]))
elif cmd == "remap":
    # One pass, longest mount path first: a host path put in for one mount is never
    # rewritten again by another (a checkout under /tmp met the /tmp mount).
    table = sorted({(m["mountPath"].rstrip("/") or "/", vdir(m["name"]))
                    for c in spec["containers"] for m in c["volumeMounts"]}, key=lambda m: -len(m[0]))
    hosts = dict(table)
    pattern = r"(?<![\w./-])(" + "|".join(re.escape(mp) for mp, _ in table) + r")(?=$|[/\s'\";:,}])"
    sys.stdout.write(re.sub(pattern, lambda m: hosts[m.group(1)], sys.stdin.read()))
elif cmd == "probe":
    print(" ".join(side["startupProbe"]["exec"]["command"]))
PY
pod() { "$PY" "$W/pod.py" "$OUT" "$P" "$@"; }
pod layout || fail "laying out the pod's volumes"
mapfile -d '' ENV < <(pod env)
ENV+=("DOWNPAGE_WATCH_INTERVAL=0.1") # the manifest's 2 s, shortened for the test
V=$P/volumes
read -r -a PROBE <<< "$(pod probe)"
[ "${PROBE[0]}" = /downpage ] || fail "the startupProbe does not run /downpage: ${PROBE[*]}"
probe() { env -i "${ENV[@]}" "$BIN" "${PROBE[@]:1}" >/dev/null 2>&1; }
wait_for() { # wait_for WHAT COMMAND...: up to 30 s
  local what=$1 i; shift
  for i in $(seq 300); do "$@" && return 0; sleep 0.1; done
  fail "timed out waiting for $what"
}
probe && fail "the probe succeeds before the sidecar ran"

env -i "${ENV[@]}" "$BIN" 2> "$W/sidecar.log" &
SIDECAR=$!
cleanup() { kill "$SIDECAR" 2>/dev/null || true; nginx_stop; }
NGINX_PID=
trap cleanup EXIT
wait_for "the startupProbe to pass" probe
echo "ok: startupProbe (downpage health) passes after the first render"
for c in 500 502 503 504; do [ -s "$V/pages/$c.html" ] || fail "no $c.html in the pages volume"; done
grep -q "<title>502 · Bad Gateway · Example</title>" "$V/pages/502.html" || fail "502.html is not the example's template"

# nginx: the example's server block, mount paths mapped to the volume folders, on loopback,
# in front of a port where nothing listens.
port=18230 dead=18239
N=$W/nginx; mkdir -p "$N"
server=$(pod remap < "$V/nginx-conf/default.conf")
snippet=$(pod remap < "$V/nginx-snippets/error-pages.conf")
printf '%s\n' "$snippet" > "$V/nginx-snippets/error-pages.conf"
printf '%s\n' "$server" | sed -e "s/listen 8080;/listen 127.0.0.1:$port;/" -e "s#127.0.0.1:8000#127.0.0.1:$dead#" > "$N/server.conf"
chmod -R a+rX "$W"
nginx_conf_start "$N" "$N/server.conf" "$port" || fail "nginx did not start with the example's server block and the snippet"
wait_for "nginx" curl -s -o /dev/null "http://127.0.0.1:$port/healthz"
expect_502() { # expect_502: status 502 and exactly the 502 page downpage wrote
  local got
  got=$(curl -s -o "$W/body" -w '%{http_code}' "http://127.0.0.1:$port/any/page") || return 1
  [ "$got" = 502 ] && cmp -s "$W/body" "$V/pages/502.html"
}
expect_502 || fail "nginx did not answer 502 with the 502 page"
echo "ok: nginx answers 502 with the 502 page"

echo "-- a template update through the ConfigMap (..data swap)"
sed 's#<p>{{ hint }}</p>#<p>{{ hint }}</p><p>Updated through the ConfigMap.</p>#' "$V/templates/error.html" > "$W/error.html"
pod swap templates error.html "$W/error.html"
wait_for "the new 502 page" grep -q "Updated through the ConfigMap" "$V/pages/502.html"
expect_502 || fail "nginx does not serve the updated 502 page"
echo "ok: the update reached nginx's 502 answer"

echo "-- a page dropped from the list"
grep -v '^504' "$V/pages-list/pages.txt" > "$W/pages.txt"
pod swap pages-list pages.txt "$W/pages.txt"
wait_for "504.html to be removed" test ! -e "$V/pages/504.html"
echo "ok: 504.html removed"

echo "-- a broken template"
cp "$V/pages/502.html" "$W/good-502.html"
printf '{%% extends "base.html" %%}{%% block content %%}{{ oops( }}{%% endblock %%}\n' > "$W/broken.html"
pod swap templates error.html "$W/broken.html"
wait_for "the error in the log" grep -q '"level":"error"' "$W/sidecar.log"
probe && fail "the probe still passes after a failed render"
kill -0 "$SIDECAR" || fail "the sidecar died on a broken template"
cmp -s "$W/good-502.html" "$V/pages/502.html" || fail "the last good 502 page changed"
expect_502 || fail "nginx stopped serving the last good 502 page"
echo "ok: broken template: last good page kept, probe fails, sidecar alive"
pod swap templates error.html "$W/error.html"
wait_for "the probe to pass again" probe
echo "ok: the fix is picked up"

echo "-- SIGTERM"
kill -TERM "$SIDECAR"
rc=0; wait "$SIDECAR" || rc=$?
[ "$rc" = 0 ] || fail "the sidecar exited $rc on SIGTERM"
leftovers=$(find "$V" -name '.downpage-tmp-*')
[ -z "$leftovers" ] || fail "temporary files left: $leftovers"
while IFS= read -r line; do
  "$PY" -c 'import json,sys; json.loads(sys.argv[1])' "$line" || fail "log line is not JSON: $line"
done < "$W/sidecar.log"
echo "ok: SIGTERM: exit 0, no temporary files, $(wc -l < "$W/sidecar.log") JSON log lines"
echo "k8s-sidecar: ok"
