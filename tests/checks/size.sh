#!/usr/bin/env bash
# The image's size budget, with no container tools: builds the image's binary the way the
# Dockerfile does (`--profile image`, static musl, the link flags of .cargo/config.toml) for
# linux/amd64, the larger platform (tests/checks/multiarch.sh holds both platforms' real
# images to the same budget), and fails when the image would grow past it:
#  - the image's content, as one tar of /downpage and /pages (GNU tar, blocking factor 1), over
#    3,000,000 bytes (on one tree: 2,827,264 bytes here, 2,830,507 for the image podman built
#    in container.sh, whose tar headers are larger);
#  - that tar compressed with gzip -2 over 1,572,864 bytes (1.5 MiB): what the image costs to
#    store and pull (podman and buildah compress a layer about as `gzip -2` does: on one tree,
#    a 1,540,747-byte layer for a binary of 1,536,343 bytes at -2 and 1,433,804 at -9; on
#    another, a 1,384,932-byte layer for a tar of 1,397,520 bytes at -2).
# The budget is tests/lib.sh's (check_image_size). Also fails when the binary still carries the
# unwind tables .cargo/config.toml drops (its link flags not applied).
source "$(dirname "$0")/../lib.sh"

TARGET=x86_64-unknown-linux-musl
FALLBACK=
if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET" && ! rustup target add "$TARGET"; then
  echo "NOTE: the musl target could not be added; measuring a static glibc build instead (not held to the budget)"
  TARGET=x86_64-unknown-linux-gnu FALLBACK=1
fi
if [ -n "$FALLBACK" ]; then
  (cd "$ROOT" && RUSTFLAGS='-C target-feature=+crt-static -C relocation-model=static' \
    cargo build --profile image --locked -q --target "$TARGET") || fail "cargo build --profile image --target $TARGET failed"
else
  # RUSTFLAGS, even empty, would replace the link flags of .cargo/config.toml
  (cd "$ROOT" && env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS cargo build --profile image --locked -q --target "$TARGET") \
    || fail "cargo build --profile image --target $TARGET failed"
fi
BIN=$ROOT/target/$TARGET/image/downpage
"$BIN" --version >/dev/null || fail "$BIN does not run"

W=$(scratch size)
mkdir -p "$W/layer/pages" && cp "$BIN" "$W/layer/downpage"
tar -C "$W/layer" -b 1 --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$W/layer.tar" downpage pages
bytes=$(stat -c %s "$BIN")
unc=$(stat -c %s "$W/layer.tar")
comp=$(gzip -2 -c "$W/layer.tar" | wc -c)
echo "image binary ($TARGET): $bytes bytes; its layer: $unc bytes uncompressed, $comp bytes gzip -2 (budget $IMAGE_MAX_BYTES and $IMAGE_MAX_GZIP)"
if [ -n "$FALLBACK" ]; then echo "NOTE: static glibc build, not the image's: sizes not held to the budget"; exit 0; fi
if readelf -SW "$BIN" | grep -q ' \.eh_frame'; then
  fail "$BIN has unwind tables (.eh_frame): the link flags of .cargo/config.toml were not applied"
fi
check_image_size "the linux/amd64 image layer" "$unc" "$comp"
echo "size: ok"
