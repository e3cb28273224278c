#!/usr/bin/env bash
# Runs Kiosk's whole test suite on SQLite and on PostgreSQL. Installs and
# starts what the tests need when it is missing (PostgreSQL on 127.0.0.1:5432,
# the libpq headers diesel links against, and the tools the documented
# walkthroughs use: curl, jq, sqlite3, Node.js, python3).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${KIOSK_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need_packages=()
[ -e /usr/include/postgresql/libpq-fe.h ] || need_packages+=(libpq-dev)
command -v pg_ctlcluster >/dev/null 2>&1 || need_packages+=(postgresql)
# tests/walkthroughs.rs runs the README's and the guide's sh blocks.
command -v curl >/dev/null 2>&1 || need_packages+=(curl)
command -v jq >/dev/null 2>&1 || need_packages+=(jq)
command -v sqlite3 >/dev/null 2>&1 || need_packages+=(sqlite3)
command -v node >/dev/null 2>&1 || need_packages+=(nodejs)
command -v python3 >/dev/null 2>&1 || need_packages+=(python3)
if [ "${#need_packages[@]}" -gt 0 ]; then
  echo "installing ${need_packages[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}"
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

# The tests connect as the postgres user over TCP; make sure trust or a
# known password lets them in.
if ! psql "$PG_URL/postgres" -Atqc 'select 1' >/dev/null 2>&1; then
  echo "cannot connect to $PG_URL as the tests will; set KIOSK_TEST_PG_URL" >&2
  exit 1
fi

export KIOSK_TEST_PG_URL="$PG_URL"
cargo test --all-targets "$@"
