# The Agir Ensemble API image. `docker compose up` builds and runs it with PostgreSQL.
#
# The binary can also start a PostgreSQL of its own when DATABASE_URL is unset, but this
# image carries no PostgreSQL binaries: in a container, always set DATABASE_URL (and
# AGIR_JWT_SECRET, required with it). See the README's configuration table.

# Build: the `agir` binary only, with the versions pinned in Cargo.lock. The cache mounts
# need BuildKit, the default builder of Docker 23 and later and of `docker compose`.
FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p agir \
 && cp target/release/agir /usr/local/bin/agir

# Run: a small Debian with the binary, as an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --uid 10001 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin agir
COPY --from=builder /usr/local/bin/agir /usr/local/bin/agir
USER agir
ENV AGIR_BIND=0.0.0.0:8080 \
    AGIR_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["agir"]
CMD ["serve"]
