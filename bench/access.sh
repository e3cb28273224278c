#!/usr/bin/env bash
# Access-check benchmark: Kiosk against a bare actix-web handler, with wrk
# at 64 connections on this machine, on SQLite and PostgreSQL, for each
# member count given (default: 100000 10000), with 100,000 articles.
#
#   bench/access.sh                   # 100k and 10k members
#   bench/access.sh 1000000           # 1M members
#   DURATION=30s BACKENDS=sqlite bench/access.sh 100000
#
# Needs wrk (apt-get install -y wrk), sqlite3, psql, python3, and for
# PostgreSQL a server at $PG_SERVER (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."

MEMBER_COUNTS=${*:-100000 10000}
BACKENDS=${BACKENDS:-sqlite postgres}
export ARTICLES=100000
DURATION=${DURATION:-10s}
CONNECTIONS=64
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
KIOSK_PORT=${KIOSK_PORT:-28480}
BASELINE_PORT=${BASELINE_PORT:-28481}
for port in "$KIOSK_PORT" "$BASELINE_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is taken; set KIOSK_PORT / BASELINE_PORT" >&2
    exit 1
  fi
done

cargo build --release --quiet --bin kiosk --example baseline
KIOSK=target/release/kiosk
BASELINE=target/release/examples/baseline
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_up() {
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$1/" -o /dev/null -X POST 2>/dev/null && return 0
    curl -sf "http://127.0.0.1:$1/healthz" -o /dev/null 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2
  return 1
}

# wrk_run URL SCRIPT -> "req/s p99_ms non2xx"
wrk_run() {
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$2" "$1")
  echo "$out" | awk '
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { v = $2; if (v ~ /us$/) ms = v / 1000; else if (v ~ /ms$/) ms = v + 0; else ms = v * 1000 }
    /Non-2xx/ { bad = $5 }
    END { printf "%.0f %.2f %d\n", rps, ms, bad }'
}

hex() { python3 -c "import secrets; print(secrets.token_hex($1))"; }

"$BASELINE" "127.0.0.1:$BASELINE_PORT" &
PIDS+=($!)
wait_up "$BASELINE_PORT"

printf '%-9s %9s %-22s %10s %8s %7s\n' backend members check "req/s" "p99 ms" ratio
for backend in $BACKENDS; do
  for members in $MEMBER_COUNTS; do
    if [ "$backend" = sqlite ]; then
      url="sqlite://$WORK/bench-$members.db"
    else
      db="kiosk_bench_$members"
      psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
      url="$PG_SERVER/$db"
    fi
    export KIOSK_DATABASE_URL=$url RUST_LOG=warn KIOSK_BIND="127.0.0.1:$KIOSK_PORT"
    export KIOSK_DB_POOL_SIZE=16 KIOSK_ACCESS_TOKEN_TTL_SECS=3600
    "$KIOSK" migrate >/dev/null
    "$KIOSK" serve >"$WORK/kiosk.log" 2>&1 &
    kiosk_pid=$!
    PIDS+=("$kiosk_pid")
    wait_up "$KIOSK_PORT"

    signup=$(curl -sf "http://127.0.0.1:$KIOSK_PORT/v1/members" -H 'content-type: application/json' \
      -d '{"email":"subscriber@example.com","password":"correct horse battery"}')
    export TOKEN SUBSCRIBER KEY_ID KEY_HASH KEY MEMBERS=$members
    TOKEN=$(echo "$signup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    SUBSCRIBER=$(echo "$signup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["member"]["id"])')
    KEY_ID="key_$(hex 16)"
    secret=$(hex 32)
    KEY_HASH=$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)
    KEY="kiosk_pub_${KEY_ID}_${secret}"
    seeded=$(date +%s)
    if [ "$backend" = sqlite ]; then
      bench/seed.sql.sh sqlite | sqlite3 "$WORK/bench-$members.db"
    else
      bench/seed.sql.sh postgres | psql -q -v ON_ERROR_STOP=1 "$url" >/dev/null
    fi
    echo "# $backend: seeded $members members, $ARTICLES articles in $(( $(date +%s) - seeded ))s" >&2

    check="http://127.0.0.1:$KIOSK_PORT/v1/access/check"
    first=$(curl -sf "$check" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
      -d "{\"article_id\":\"art-2\",\"member_token\":\"$TOKEN\"}")
    echo "$first" | grep -q '"reason":"subscription"' || { echo "unexpected: $first" >&2; exit 1; }
    # Warm the article cache the way a listing page would (check-batch).
    python3 bench/warm.py "$KIOSK_PORT" "$KEY" "$ARTICLES"

    read -r base_rps base_p99 base_bad < <(wrk_run "http://127.0.0.1:$BASELINE_PORT/" bench/premium.lua)
    read -r prem_rps prem_p99 prem_bad < <(wrk_run "$check" bench/premium.lua)
    read -r met_rps met_p99 met_bad < <(wrk_run "$check" bench/metered.lua)
    ratio() { python3 -c "print(f'{$1 / $2:.0%}')"; }
    printf '%-9s %9s %-22s %10s %8s %7s\n' \
      "$backend" "$members" "baseline (fixed JSON)" "$base_rps" "$base_p99" "100%" \
      "$backend" "$members" "premium, subscriber" "$prem_rps" "$prem_p99" "$(ratio "$prem_rps" "$base_rps")" \
      "$backend" "$members" "metered, new read" "$met_rps" "$met_p99" "$(ratio "$met_rps" "$base_rps")"
    if [ "$prem_bad$met_bad$base_bad" != "000" ]; then
      echo "# non-2xx answers: baseline $base_bad, premium $prem_bad, metered $met_bad" >&2
    fi
    kill "$kiosk_pid"
    wait "$kiosk_pid" 2>/dev/null || true
    if [ "$backend" = postgres ]; then
      psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
    fi
  done
done
