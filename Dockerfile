# syntax=docker/dockerfile:1
# Kiosk: one binary, SQLite and PostgreSQL both compiled in.

FROM rust:1.95-bookworm AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
# Migrations are embedded at compile time; the runtime image needs no files.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin kiosk \
    && install -m 0755 target/release/kiosk /usr/local/bin/kiosk

FROM debian:bookworm-slim AS runtime
# libpq5: the PostgreSQL client library the binary links; curl: health checks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system kiosk \
    && useradd --system --gid kiosk --home-dir /var/lib/kiosk --create-home kiosk
COPY --from=builder /usr/local/bin/kiosk /usr/local/bin/kiosk
USER kiosk
WORKDIR /var/lib/kiosk
ENV KIOSK_BIND=0.0.0.0:8080 \
    KIOSK_DATABASE_URL=sqlite:///var/lib/kiosk/kiosk.db \
    KIOSK_LOG_FORMAT=json
VOLUME ["/var/lib/kiosk"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/kiosk"]
CMD ["serve"]
