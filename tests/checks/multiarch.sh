#!/usr/bin/env bash
# The multi-platform image (issue 14), built by running the real Dockerfile, both stages,
# with buildah for linux/amd64 and linux/arm64 on this amd64 machine:
#  - the `rust` base image cannot be pulled here, so a stand-in is assembled from this
#    machine's own toolchain: its cargo, rustc, rustup and cargo-auditable are wrappers that
#    log every call and hand it on to the real ones; the crates come from `cargo vendor`
#    (offline, from the local registry cache); system tools (sh, cc for build scripts) are
#    the host's, bind-mounted read-only. The call log must show the arm64 binary
#    cross-compiled on linux/amd64, and the smoke test run for amd64 only;
#  - an OCI image index with both images (buildah manifest); both have USER 65532:65532,
#    the same labels, and only /downpage and /pages;
#  - the arm64 binary, run by qemu-aarch64-static, writes the zero-config pages, a templated
#    page and a tarball byte for byte like the amd64 binary;
#  - rust-audit-info lists, for both binaries, exactly the crates of Cargo.lock built into
#    them (cargo tree -e normal --target ...), at their locked versions.
# Prints both platforms' image sizes (uncompressed, gzip-compressed layer) and the wall time.
source "$(dirname "$0")/../lib.sh"
need_apt buildah runc file qemu-user-static
START=$SECONDS
W=$(scratch multiarch)
AUDITABLE_VERSION=0.7.7    # the version the Dockerfile installs
AUDIT_INFO_VERSION=0.5.4
# cargo-auditable and rust-audit-info, built once into .ci/tools/cargo
CT=$TOOLS/cargo
if [ ! -x "$CT/bin/cargo-auditable" ] || [ ! -x "$CT/bin/rust-audit-info" ] ||
  ! grep -q "cargo-auditable $AUDITABLE_VERSION " "$CT/.crates.toml" ||
  ! grep -q "rust-audit-info $AUDIT_INFO_VERSION " "$CT/.crates.toml"; then
  cargo install -q --locked --root "$CT" "cargo-auditable@$AUDITABLE_VERSION" "rust-audit-info@$AUDIT_INFO_VERSION" \
    || fail "cargo install cargo-auditable rust-audit-info"
fi
TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
for t in "${TARGETS[@]}"; do
  rustup target list --installed | grep -qx "$t" || rustup target add "$t" || fail "rustup target add $t"
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
# The crates as a directory source: Cargo.lock's, and cargo-auditable with its own Cargo.lock's
# (the Dockerfile installs it), from the local registry cache (cargo fetches only what is
# missing there: crates of other platforms, e.g. winapi, never built here).
AUD_CRATE=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "cargo-auditable-$AUDITABLE_VERSION.crate" | head -1)
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
echo "$tool \$*" >> /calls/calls.log
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
