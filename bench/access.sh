#!/usr/bin/env bash
# Access-check benchmark: Kiosk against a bare actix-web handler, with wrk
# at 64 connections on this machine, on SQLite and PostgreSQL, for each
# member count given (default: 100000 10000), with 100,000 articles.
#
#   bench/access.sh                   # 100k and 10k members
#   bench/access.sh 1000000           # 1M members
#   DURATION=30s BACKENDS=sqlite bench/access.sh 100000
#   ROUNDS=1 bench/access.sh 10000    # one round instead of the median of 5
#
# Needs wrk (apt-get install -y wrk), sqlite3, psql, python3, and for
# PostgreSQL a server at $PG_SERVER (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."

MEMBER_COUNTS=${*:-100000 10000}
. bench/lib.sh
access_bench_start

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
    export KIOSK_DATABASE_URL=$url MEMBERS=$members
    start_kiosk
    seed_kiosk "$backend"
    check=$CHECK_URL

    # ROUNDS rounds of the three runs, interleaved, and the median of each:
    # the machine's other tenants come and go within a minute, and a ratio
    # of two runs made far apart would carry that in.
    base=() prem=() met=()
    for _ in $(seq 1 "$ROUNDS"); do
      base+=("$(wrk_run "http://127.0.0.1:$BASELINE_PORT/" bench/premium.lua)")
      prem+=("$(wrk_run "$check" bench/premium.lua)")
      met+=("$(wrk_run "$check" bench/metered.lua)")
    done
    read -r base_rps base_p99 base_bad < <(median "${base[@]}")
    read -r prem_rps prem_p99 prem_bad < <(median "${prem[@]}")
    read -r met_rps met_p99 met_bad < <(median "${met[@]}")
    printf '%-9s %9s %-22s %10s %8s %7s\n' \
      "$backend" "$members" "baseline (fixed JSON)" "$base_rps" "$base_p99" "100%" \
      "$backend" "$members" "premium, subscriber" "$prem_rps" "$prem_p99" "$(ratio "$prem_rps" "$base_rps")" \
      "$backend" "$members" "metered, new read" "$met_rps" "$met_p99" "$(ratio "$met_rps" "$base_rps")"
    if [ "$prem_bad$met_bad$base_bad" != "000" ]; then
      echo "# non-2xx answers: baseline $base_bad, premium $prem_bad, metered $met_bad" >&2
    fi
    stop_kiosk
    if [ "$backend" = postgres ]; then
      psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
    fi
  done
done
