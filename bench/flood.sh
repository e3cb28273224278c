#!/usr/bin/env bash
# Do login floods starve readers? The premium check's req/s and p99 with wrk
# alone, then again while a second wrk floods POST /v1/sessions with wrong
# passwords (rate limit and lockout raised so that every sign-in hashes).
# Twice: at saturation (64 connections as fast as they go: capacity), and
# at a set pace (bench/premium_paced.lua, about 6,000 checks/s: latency at
# a normal load). SQLite, a small seed. 503s from the bounded hashing pool
# are expected.
#
#   bench/flood.sh
#   DURATION=20s FLOOD_CONNECTIONS=64 PACE_MS=10 bench/flood.sh
#
# Needs wrk, sqlite3, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=64
FLOOD_CONNECTIONS=${FLOOD_CONNECTIONS:-64}
KIOSK_PORT=${KIOSK_PORT:-28482}
export MEMBERS=${MEMBERS:-1000} ARTICLES=${ARTICLES:-1000}
. bench/lib.sh
ports_free "$KIOSK_PORT"
bench_setup

export KIOSK_DATABASE_URL="sqlite://$WORK/flood.db"
export KIOSK_RATE_LIMIT_PER_ADDRESS=1000000000 KIOSK_LOCKOUT_FAILURES=1000000000
start_kiosk
seed_kiosk sqlite

# flood_during SCRIPT: the check with SCRIPT while a sign-in flood runs.
flood_during() {
  local flood_secs=$(( ${DURATION%s} + 2 )) flood_pid
  wrk -t1 -c"$FLOOD_CONNECTIONS" -d"${flood_secs}s" -s bench/signin_flood.lua \
    "http://127.0.0.1:$KIOSK_PORT/v1/sessions" >>"$WORK/flood.out" &
  flood_pid=$!
  PIDS+=("$flood_pid")
  sleep 1
  wrk_run "$CHECK_URL" "$1"
  wait "$flood_pid"
}

read -r alone_rps alone_p99 alone_bad < <(wrk_run "$CHECK_URL" bench/premium.lua)
read -r flood_rps flood_p99 flood_bad < <(flood_during bench/premium.lua)
read -r paced_rps paced_p99 paced_bad < <(wrk_run "$CHECK_URL" bench/premium_paced.lua)
read -r paced_flood_rps paced_flood_p99 paced_flood_bad < <(flood_during bench/premium_paced.lua)

printf '%-42s %10s %8s\n' "premium check, subscriber" "req/s" "p99 ms" \
  "saturating, alone" "$alone_rps" "$alone_p99" \
  "saturating, during a sign-in flood" "$flood_rps" "$flood_p99" \
  "paced, alone" "$paced_rps" "$paced_p99" \
  "paced, during a sign-in flood" "$paced_flood_rps" "$paced_flood_p99"
grep '^flood:' "$WORK/flood.out" || cat "$WORK/flood.out"
bad="$alone_bad$flood_bad$paced_bad$paced_flood_bad"
if [ "$bad" != "0000" ]; then
  echo "# non-2xx check answers: $alone_bad, $flood_bad, $paced_bad, $paced_flood_bad" >&2
fi
