#!/usr/bin/env bash
# The multi-platform image (issue 14), built by running the real Dockerfile, both stages,
# with buildah for linux/amd64 and linux/arm64 on this amd64 machine:
#  - the `rust` base image cannot be pulled here, so a stand-in is assembled from this
#    machine's own toolchain: its cargo, rustc and rustup are wrappers that log every call
#    (and the machine type) and hand it on to the real ones; the crates (Cargo.lock's and
#    cargo-auditable's, which the Dockerfile installs) come from a `cargo vendor` folder made
#    from the local registry cache, so the build inside needs no network; system tools (sh,
#    cc for build scripts) are the host's, bind-mounted read-only. The call log must show
#    the arm64 binary cross-compiled on linux/amd64, and the smoke test run for amd64 only;
#  - an OCI image index with both images (buildah manifest); both have USER 65532:65532,
#    the same labels, and only /downpage and /pages;
#  - the arm64 binary, run by qemu-aarch64-static, writes the zero-config pages, a templated
#    page and a tarball byte for byte like the amd64 binary;
#  - rust-audit-info lists, for both binaries, every crate of Cargo.lock compiled into them
#    (the call log, and cargo tree -e normal,no-proc-macro --target ...) at its locked
#    version, nothing that is not a dependency, and the same list for both platforms.
# Prints both platforms' image sizes (uncompressed, gzip-compressed layer) and the wall time, and
# fails when either image is over the budget (tests/lib.sh: 3,000,000 bytes, 1.5 MiB compressed).
source "$(dirname "$0")/../lib.sh"
need_apt buildah runc file jq qemu-user-static
START=$SECONDS
W=$(scratch multiarch)
AUDITABLE_VERSION=0.7.7    # the version the Dockerfile installs
AUDIT_INFO_VERSION=0.5.4
# cargo-auditable and rust-audit-info, built once into .ci/tools/cargo
CT=$TOOLS/cargo
# (its .crate in the registry cache is also the source the stand-in build installs it from)
aud_crate() { find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "cargo-auditable-$AUDITABLE_VERSION.crate" | head -1; }
if [ ! -x "$CT/bin/cargo-auditable" ] || [ ! -x "$CT/bin/rust-audit-info" ] ||
  ! grep -q "cargo-auditable $AUDITABLE_VERSION " "$CT/.crates.toml" ||
  ! grep -q "rust-audit-info $AUDIT_INFO_VERSION " "$CT/.crates.toml" || [ -z "$(aud_crate)" ]; then
  cargo install -q --force --locked --root "$CT" "cargo-auditable@$AUDITABLE_VERSION" "rust-audit-info@$AUDIT_INFO_VERSION" \
    || fail "cargo install cargo-auditable rust-audit-info"
fi
TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
for t in "${TARGETS[@]}"; do
  grep -qx "$t" <<<"$(rustup target list --installed)" || rustup target add "$t" || fail "rustup target add $t"
done

STORE=(--storage-driver vfs --root "$W/storage" --runroot "$W/run")
BUILDAH=(buildah "${STORE[@]}")
# buildah keeps RUN --mount=type=cache folders under TMPDIR: in the scratch folder, every run
# compiles from nothing, like a first docker build.
export TMPDIR=$W/tmp
mkdir -p "$TMPDIR"
cleanup() { "${BUILDAH[@]}" rm --all >/dev/null 2>&1 || true; rm -rf "$W/storage" "$W/run" "$W/tmp" 2>/dev/null || true; }
trap cleanup EXIT

echo "-- stand-in for the rust base image (host toolchain, logging wrappers, vendored crates)"
BASE=$(awk 'toupper($1)=="FROM" && $0 ~ / AS build/ {print $(NF-2)}' "$ROOT/Dockerfile")
[[ $BASE == rust:* ]] || fail "the Dockerfile's build stage is not FROM rust:...: $BASE"
SYSROOT=$(rustc --print sysroot)
TOOLCHAIN=$(basename "$SYSROOT")
RUSTUP_HOME_HOST=$(dirname "$(dirname "$SYSROOT")")
want=${BASE#rust:}; want=${want%%-*}
grep -q "^rustc $want " <<<"$(rustc --version)" || echo "NOTE: the stand-in runs $(rustc --version), the Dockerfile pins $BASE"
# The crates as a directory source: Cargo.lock's, and cargo-auditable with its own Cargo.lock's
# (the Dockerfile installs it), from the local registry cache (cargo fetches only what is
# missing there: crates of other platforms, e.g. winapi, never built here).
AUD_CRATE=$(aud_crate)
[ -n "$AUD_CRATE" ] || fail "cargo-auditable-$AUDITABLE_VERSION.crate is not in the registry cache"
mkdir -p "$W/pkg" && tar -xzf "$AUD_CRATE" -C "$W/pkg"
AUD_SRC=$W/pkg/cargo-auditable-$AUDITABLE_VERSION
(cd "$ROOT" && cargo vendor -q --locked --versioned-dirs -s "$AUD_SRC/Cargo.toml" "$W/vendor" >/dev/null) || fail "cargo vendor"
cp -a "$AUD_SRC" "$W/vendor/"
printf '{"files":{},"package":"%s"}' "$(sha256sum "$AUD_CRATE" | cut -d' ' -f1)" > "$W/vendor/cargo-auditable-$AUDITABLE_VERSION/.cargo-checksum.json"
S=$W/standin; mkdir -p "$S/usr/local/cargo/bin" "$S/usr/local/cargo/real" "$S/usr/local/rustup" "$S/calls" "$S/tmp" "$S/etc"
chmod 1777 "$S/tmp"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$S/$d"; done
for d in usr/bin usr/lib usr/lib64 usr/libexec usr/include usr/sbin usr/share etc/alternatives; do mkdir -p "$S/$d"; done
cp "$(command -v rustup)" "$S/usr/local/cargo/real/rustup"
ln -s rustup "$S/usr/local/cargo/real/cargo"; ln -s rustup "$S/usr/local/cargo/real/rustc"
for tool in cargo rustc rustup; do
  cat > "$S/usr/local/cargo/bin/$tool" <<EOF
#!/bin/sh
# stand-in: log the call, then run the real $tool
echo "[\$(uname -m)] $tool \$*" >> /calls/calls.log
exec /usr/local/cargo/real/$tool "\$@"
EOF
  chmod 755 "$S/usr/local/cargo/bin/$tool"
done
cat > "$S/usr/local/cargo/config.toml" <<'EOF'
[source.crates-io]
replace-with = "vendored"
[source.vendored]
directory = "/usr/local/cargo/vendor"
EOF
mkdir -p "$S/usr/local/cargo/vendor"
ctr=$("${BUILDAH[@]}" from -q scratch)
"${BUILDAH[@]}" copy -q "$ctr" "$S" / >/dev/null
"${BUILDAH[@]}" config --env PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env CARGO_HOME=/usr/local/cargo --env RUSTUP_HOME=/usr/local/rustup --env "RUSTUP_TOOLCHAIN=$TOOLCHAIN" \
  --os linux --arch amd64 "$ctr"
"${BUILDAH[@]}" commit -q "$ctr" "docker.io/library/$BASE" >/dev/null
"${BUILDAH[@]}" rm "$ctr" >/dev/null
# What the stand-in takes from the host at build time, read-only.
VOLUMES=()
for d in usr/bin usr/lib usr/lib64 usr/libexec usr/include usr/sbin usr/share etc/alternatives; do VOLUMES+=(--volume "/$d:/$d:ro"); done
VOLUMES+=(--volume "$RUSTUP_HOME_HOST:/usr/local/rustup:ro" --volume "$W/vendor:/usr/local/cargo/vendor:ro")

echo "-- buildah bud of the whole Dockerfile for linux/amd64 and linux/arm64 on linux/amd64"
# Debian's buildah 1.28 does not set BUILDPLATFORM itself; docker buildx does.
PLATFORMS=(amd64 arm64)
for arch in "${PLATFORMS[@]}"; do
  mkdir -p "$W/calls-$arch"
  t0=$SECONDS
  "${BUILDAH[@]}" bud --isolation chroot --layers --pull=never --platform "linux/$arch" --build-arg BUILDPLATFORM=linux/amd64 \
    "${VOLUMES[@]}" --volume "$W/calls-$arch:/calls" -f "$ROOT/Dockerfile" -t "localhost/downpage:$arch" "$ROOT" \
    > "$W/bud-$arch.log" 2>&1 || { tail -30 "$W/bud-$arch.log"; fail "buildah bud --platform linux/$arch of the Dockerfile failed"; }
  echo "linux/$arch: built in $((SECONDS - t0)) s; $(wc -l < "$W/calls-$arch/calls.log") toolchain calls logged"
done

echo "-- the call log: arm64 cross-compiled on the amd64 build platform, smoke test for amd64 only"
declare -A TRIPLE=([amd64]=x86_64-unknown-linux-musl [arm64]=aarch64-unknown-linux-musl)
for arch in "${PLATFORMS[@]}"; do
  log=$W/calls-$arch/calls.log t=${TRIPLE[$arch]}
  grep -qx "\[x86_64\] rustup target add $t" "$log" || fail "linux/$arch: no 'rustup target add $t' on x86_64 in the call log"
  grep -qx "\[x86_64\] cargo auditable build --profile image --locked --target $t" "$log" \
    || fail "linux/$arch: no 'cargo auditable build ... --target $t' on x86_64 in the call log"
  grep -Eq "^\[x86_64\] rustc --crate-name downpage .*--crate-type bin .*--target $t .*-C linker=rust-lld" "$log" \
    || fail "linux/$arch: the binary was not compiled for $t with rust-lld (call log)"
  other=$(grep -v '^\[x86_64\] ' "$log" || true)
  [ -z "$other" ] || fail "linux/$arch: a toolchain call ran on another machine type: ${other%%$'\n'*}"
  echo "linux/$arch: $(grep -c -- "--target $t" "$log") calls for $t, all on x86_64: $(grep -o "cargo auditable build.*" "$log")"
done
grep -q -- '--target aarch64' "$W/calls-amd64/calls.log" && fail "the amd64 build compiled for aarch64"
grep -q -- '--target x86_64-unknown-linux-musl' "$W/calls-arm64/calls.log" && fail "the arm64 build compiled for x86_64 musl"
grep -q '^downpage: wrote 4 pages' "$W/bud-amd64.log" || fail "linux/amd64: the smoke test did not run (bud-amd64.log)"
grep -q '^smoke test skipped: aarch64-unknown-linux-musl built on linux/amd64' "$W/bud-arm64.log" \
  || fail "linux/arm64: the smoke test was not skipped (bud-arm64.log)"
grep -q '^downpage: wrote' "$W/bud-arm64.log" && fail "linux/arm64: a smoke test ran"
echo "smoke test: ran for linux/amd64 ($(grep '^downpage: wrote' "$W/bud-amd64.log" | sed 's/ in .*//')), skipped for linux/arm64"

echo "-- OCI image index of both images (buildah manifest), read back from an OCI layout"
"${BUILDAH[@]}" manifest create localhost/downpage:multi >/dev/null
for arch in "${PLATFORMS[@]}"; do "${BUILDAH[@]}" manifest add localhost/downpage:multi "localhost/downpage:$arch" >/dev/null; done
"${BUILDAH[@]}" manifest push -q --all --format oci localhost/downpage:multi "oci:$W/oci:multi" \
  || fail "buildah manifest push of the index"
python3 "$ROOT/tests/tools/oci-index.py" "$W/oci" "$W/images" linux/amd64 linux/arm64 > "$W/images.jsonl" \
  || fail "the image index (above)"
cat "$W/images.jsonl"
for arch in "${PLATFORMS[@]}"; do
  f=$(file -b "$W/images/$arch/downpage"); echo "linux/$arch /downpage: $f"
  want=x86-64; [ "$arch" = arm64 ] && want=aarch64
  [[ $f == *"$want"* && $f == *"statically linked"* || $f == *"$want"* && $f == *"static-pie linked"* ]] \
    || fail "linux/$arch: /downpage is not a static $want binary: $f"
done

echo "-- the arm64 binary under qemu-aarch64-static writes what the amd64 binary writes"
AMD=$W/images/amd64/downpage ARM=$W/images/arm64/downpage
QEMU=$(command -v qemu-aarch64-static)
T=$W/templates; mkdir -p "$T/errors" "$T/partials"
cat > "$T/base.html" <<'TPL'
<!doctype html><html lang="{{ lang | default(value="en") }}"><title>{% block title %}{{ site_name }}{% endblock %}</title>
<body>{% include "partials/nav.html" %}{% block body %}{% endblock %}</body></html>
TPL
printf '%s\n' '<nav>{% for item in menu %}<a href="{{ item.href | urlencode }}">{{ item.label | upper }}</a>{% endfor %}</nav>' > "$T/partials/nav.html"
cat > "$T/errors/page.html" <<'TPL'
{% extends "base.html" %}{% import "partials/macros.html" as m %}
{% block title %}{{ code | default(value="-") }} {{ title | default(value="") }} · {{ super() }}{% endblock %}
{% block body %}{{ m::card(heading=title | default(value="x"), text=message | default(value="") | truncate(length=40)) }}<p>{{ hint | default(value="") }}</p>
<p>{{ retry * 2 }} s, {{ dest | replace(from=".html", to="") }}, {{ "<b>" }}, {{ menu | length }}</p>{% endblock %}
TPL
printf '%s\n' '{% macro card(heading, text) %}<h1>{{ heading | title }}</h1><p>{{ text }}</p>{% endmacro card %}' > "$T/partials/macros.html"
TEMPLATED=(DOWNPAGE_TEMPLATE_DIR="$T" DOWNPAGE_PAGES='502.html=errors/page.html,sub/429.html=errors/page.html'
  DOWNPAGE_CONTEXT='{"retry": 15, "menu": [{"href": "/a b", "label": "Home"}, {"href": "/é", "label": "Café"}]}'
  DOWNPAGE_VAR_SITE_NAME='Ex & Co' DOWNPAGE_CODES=404,503,maintenance DOWNPAGE_FORMATS=html,json,txt
  DOWNPAGE_LANGS=en,de,ja DOWNPAGE_GZIP=true DOWNPAGE_INDEX=true)
run_both() { # run_both NAME VAR=VALUE...: runs both binaries with only these variables, compares
  local name=$1; shift
  for arch in amd64 arm64; do
    local o=$W/run/$name-$arch; mkdir -p "$o"
    local cmd=("$AMD"); [ "$arch" = arm64 ] && cmd=("$QEMU" "$ARM")
    (cd "$o" && env -i "$@" "${cmd[@]}" > stdout 2> stderr; echo $? > status) || true
    sed -i -E 's/ in [0-9.]+ ms$//' "$o/stderr"   # the run's duration
  done
  diff -r "$W/run/$name-amd64" "$W/run/$name-arm64" > "$W/run/$name.diff" \
    || { head -20 "$W/run/$name.diff"; fail "$name: the arm64 binary's output differs from the amd64 binary's"; }
  echo "$name: identical ($(find "$W/run/$name-amd64" -type f | wc -l) files, $(du -sb "$W/run/$name-amd64" | cut -f1) bytes, exit $(cat "$W/run/$name-amd64/status"))"
}
mkdir -p "$W/run"
run_both zero-config
[ -s "$W/run/zero-config-amd64/pages/502.html" ] || fail "zero-config wrote no pages/502.html"
run_both templated "${TEMPLATED[@]}" DOWNPAGE_OUTPUT_DIR=out
# with DOWNPAGE_LANGS, DOWNPAGE_PAGES pages go into every language folder
[ -s "$W/run/templated-amd64/out/ja/sub/429.html" ] || fail "the templated run wrote no ja/sub/429.html"
grep -q 'Ex &amp; Co' "$W/run/templated-amd64/out/en/502.html" || fail "the templated page lacks the site name"
run_both tarball "${TEMPLATED[@]}" DOWNPAGE_TARBALL=pages.tar.gz SOURCE_DATE_EPOCH=1700000000
grep -qx de/sub/429.html <<<"$(tar -tzf "$W/run/tarball-amd64/pages.tar.gz")" || fail "the tarball lacks de/sub/429.html"
run_both template-error DOWNPAGE_TEMPLATE_DIR="$T" DOWNPAGE_PAGES='502.html=errors/missing.html'
grep -q '^downpage: error: ' "$W/run/template-error-amd64/stderr" || fail "template-error: no error line"

echo "-- the dependency list in both binaries (rust-audit-info) against what was compiled into them"
# What each binary is built from, three ways: the crates the build compiled for the target
# (the call log), `cargo tree -e normal,no-proc-macro --target T` (Cargo.lock's view), and the
# list the binary carries. cargo-auditable (0.7.7) takes its list from `cargo metadata`, which
# also counts the crates proc-macros use at compile time (syn, quote...) as runtime: those are
# allowed and printed, as long as `cargo tree -e normal` has them.
AUDIT=$CT/bin/rust-audit-info
VERSION=$(sed -nE 's/^version = "(.*)"/\1/p' "$ROOT/Cargo.toml" | head -1)
for arch in "${PLATFORMS[@]}"; do
  t=${TRIPLE[$arch]} bin=$W/images/$arch/downpage d=$W/deps-$arch; mkdir -p "$d"
  "$AUDIT" "$bin" > "$d/audit.json" || fail "linux/$arch: rust-audit-info finds no dependency list in /downpage"
  jq -r '.packages[] | select(.kind != "build") | "\(.name) v\(.version)"' "$d/audit.json" | sort > "$d/audit.txt"
  { grep -- "--target $t " "$W/calls-$arch/calls.log" | grep -oE ' /usr/local/cargo/vendor/[^/]+/' | cut -d/ -f6 | sed -E 's/-([0-9][^-]*)$/ v\1/'
    echo "downpage v$VERSION"; } | sort -u > "$d/compiled.txt"
  (cd "$ROOT" && cargo tree -q --locked --offline -e normal,no-proc-macro --target "$t" --prefix none --format '{p}') \
    | sed -E 's/ \(.*//' | sort -u > "$d/tree.txt"
  (cd "$ROOT" && cargo tree -q --locked --offline -e normal --target "$t" --prefix none --format '{p}') \
    | sed -E 's/ \(.*//' | sort -u > "$d/tree-with-proc-macros.txt"
  diff "$d/tree.txt" "$d/compiled.txt" > "$d/compiled.diff" \
    || { cat "$d/compiled.diff"; fail "linux/$arch: the crates compiled for $t (call log, >) differ from cargo tree (<)"; }
  missing=$(comm -23 "$d/tree.txt" "$d/audit.txt")
  [ -z "$missing" ] || fail "linux/$arch: built into the binary but missing from its dependency list: $missing"
  unknown=$(comm -13 "$d/tree-with-proc-macros.txt" "$d/audit.txt")
  [ -z "$unknown" ] || fail "linux/$arch: in the dependency list but not a dependency (cargo tree -e normal): $unknown"
  python3 - "$ROOT/Cargo.lock" "$d/audit.json" <<'PY' || fail "linux/$arch: a crate in the dependency list is not at its Cargo.lock version"
import json, sys, tomllib
locked = {(p["name"], p["version"]) for p in tomllib.load(open(sys.argv[1], "rb"))["package"]}
bad = [f"{p['name']} {p['version']}" for p in json.load(open(sys.argv[2]))["packages"] if (p["name"], p["version"]) not in locked]
bad and print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
  extra=$(comm -13 "$d/tree.txt" "$d/audit.txt" | cut -d' ' -f1 | tr '\n' ' ')
  echo "linux/$arch: the $(wc -l < "$d/tree.txt") crates compiled for $t are all in the list at their Cargo.lock versions;" \
    "the list also names $(comm -13 "$d/tree.txt" "$d/audit.txt" | wc -l) compile-time-only crates as runtime: $extra" \
    "($(jq '[.packages[] | select(.kind == "build")] | length' "$d/audit.json") more marked kind=build)"
done
cmp -s "$W/deps-amd64/tree.txt" "$W/deps-arm64/tree.txt" || fail "the two platforms are built from different crates"
cmp -s "$W/deps-amd64/audit.txt" "$W/deps-arm64/audit.txt" || fail "the two platforms' dependency lists differ: $(diff "$W/deps-amd64/audit.txt" "$W/deps-arm64/audit.txt" | head -5)"
echo "both platforms: the same $(wc -l < "$W/deps-amd64/audit.txt") crates in the dependency list"

echo "-- sizes"
for arch in "${PLATFORMS[@]}"; do
  bin=$W/images/$arch/downpage
  dep=$(readelf -SW "$bin" | sed -nE 's/.*\] \.dep-v0 +[A-Z_]+ +[0-9a-f]+ [0-9a-f]+ ([0-9a-f]+) .*/\1/p')
  [ -n "$dep" ] || fail "linux/$arch: no .dep-v0 section (cargo auditable) in /downpage"
  dep=$((16#$dep))
  line=$(grep "\"linux/$arch\"" "$W/images.jsonl")
  unc=$(jq -r .uncompressed <<<"$line") comp=$(jq -r .compressed <<<"$line")
  echo "linux/$arch: binary $(stat -c %s "$bin") bytes (dependency list section .dep-v0: $dep bytes); image $unc bytes uncompressed, $comp bytes gzip-compressed"
  check_image_size "the linux/$arch image" "$unc" "$comp"
done
echo "multiarch: ok ($((SECONDS - START)) s)"
