# syntax=docker/dockerfile:1
# downpage as a FROM-scratch image: one static binary (templates are embedded), nothing else.
#   docker build -t downpage .
#   docker run --rm -v pages:/pages downpage            # writes the built-in pages into /pages
# tests/checks/container.sh builds this file with buildah, replacing the `build` stage by a
# static binary built on the host from the same build context (see that script).

FROM rust:1.95.0-slim-bookworm AS build
WORKDIR /src
COPY . .
# A fully static musl binary (static-pie: ASLR kept) built with the size-first `image` profile
# (Cargo.toml) to keep the image under 3 MB; static glibc would add ~0.5 MB of C code that
# std pulls in to print OS errors. The smoke test runs the binary here before the final
# stage copies it.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    target="$(uname -m)-unknown-linux-musl" \
 && rustup target add "$target" \
 && cargo build --profile image --locked --target "$target" \
 && mkdir -p /out/pages \
 && cp "target/$target/image/downpage" /out/downpage \
 && /out/downpage --version \
 && DOWNPAGE_OUTPUT_DIR=/tmp/smoke /out/downpage \
 && test -s /tmp/smoke/502.html

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
