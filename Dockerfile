# syntax=docker/dockerfile:1
# downpage as a FROM-scratch image: one static binary (templates are embedded), nothing else,
# for linux/amd64 and linux/arm64 (docs/deploy.md):
#   docker build -t downpage .
#   docker buildx build --platform linux/amd64,linux/arm64 -t REPO/downpage:TAG --push .
#   docker run --rm -v pages:/pages downpage            # writes the built-in pages into /pages
# tests/checks/multiarch.sh runs this whole file with buildah for both platforms, against a
# stand-in for the rust image that logs every toolchain call; tests/checks/container.sh builds
# the final stage from a host-built binary and runs the image with podman.

# The build stage always runs on the build machine's platform and cross-compiles for the
# target platform, so a multi-platform build needs no emulation (no QEMU).
FROM --platform=$BUILDPLATFORM rust:1.95.0-slim-bookworm AS build
# The dependency list scanners read (Trivy, Grype, Syft): `cargo auditable build` embeds the
# crates of Cargo.lock that are built into the binary, in a section of the binary.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo install --locked cargo-auditable@0.7.7
WORKDIR /src
COPY . .
ARG BUILDPLATFORM
ARG TARGETPLATFORM
# A fully static musl binary built with the size-first `image` profile (Cargo.toml), linked
# as .cargo/config.toml says for each target: by the toolchain's own rust-lld (no C
# cross-compiler), plain static, not PIE, identical code folded, no unwind tables
# (docs/deploy.md, "Size budget"). RUSTFLAGS would replace those flags: it is not set here. The
# smoke test runs the binary before the final stage copies it, when it can run here: only
# when the build and target platforms are the same.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    case "${TARGETPLATFORM:=$BUILDPLATFORM}" in \
      linux/amd64) target=x86_64-unknown-linux-musl ;; \
      linux/arm64|linux/arm64/v8) target=aarch64-unknown-linux-musl ;; \
      *) echo "downpage: no build for platform '$TARGETPLATFORM': use linux/amd64 or linux/arm64" >&2; exit 1 ;; \
    esac \
 && rustup target add "$target" \
 && cargo auditable build --profile image --locked --target "$target" \
 && mkdir -p /out/pages \
 && cp "target/$target/image/downpage" /out/downpage \
 && if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then \
      /out/downpage --version \
      && DOWNPAGE_OUTPUT_DIR=/tmp/smoke /out/downpage \
      && test -s /tmp/smoke/502.html; \
    else \
      echo "smoke test skipped: $target built on $BUILDPLATFORM does not run here"; \
    fi

FROM scratch
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="downpage" \
      org.opencontainers.image.description="Renders a site's own Tera templates into static error pages for nginx, configured by DOWNPAGE_* variables" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/downpage/downpage" \
      org.opencontainers.image.documentation="https://github.com/downpage/downpage#deploy"
COPY --from=build /out/downpage /downpage
# /pages belongs to the runtime user, so a fresh named volume mounted there is writable too.
COPY --from=build --chown=65532:65532 /out/pages /pages
USER 65532:65532
ENV DOWNPAGE_OUTPUT_DIR=/pages
ENTRYPOINT ["/downpage"]
