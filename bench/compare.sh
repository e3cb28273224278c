#!/usr/bin/env bash
# Before/after benchmark of two Kiosk binaries, interleaved: in each round
# the bare baseline, then the premium check and the metered new read on
# each binary in turn, against one seeded database; the median of the
# rounds for each. Both servers share the database, and run one at a time.
#
#   bench/compare.sh BEFORE_BINARY AFTER_BINARY [members]
#   BACKENDS=sqlite ROUNDS=5 DURATION=10s bench/compare.sh old/kiosk target/release/kiosk
#
# Needs what bench/access.sh needs (wrk, sqlite3, psql, python3).
set -euo pipefail
cd "$(dirname "$0")/.."

BEFORE=$(realpath "$1")
AFTER=$(realpath "$2")
MEMBERS=${3:-100000}
export MEMBERS
. bench/lib.sh
access_bench_start

printf '%-9s %-8s %-22s %10s %8s %7s\n' backend binary check "req/s" "p99 ms" ratio
for backend in $BACKENDS; do
  if [ "$backend" = sqlite ]; then
    url="sqlite://$WORK/compare.db"
  else
    db="kiosk_compare"
    psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
    url="$PG_SERVER/$db"
  fi
  export KIOSK_DATABASE_URL=$url
  KIOSK=$BEFORE
  start_kiosk
  seed_kiosk "$backend"
  stop_kiosk
  check=$CHECK_URL
  base=() prem_before=() prem_after=() met_before=() met_after=()
  for _ in $(seq 1 "$ROUNDS"); do
    base+=("$(wrk_run "http://127.0.0.1:$BASELINE_PORT/" bench/premium.lua)")
    for which in before after; do
      if [ "$which" = before ]; then KIOSK=$BEFORE; else KIOSK=$AFTER; fi
      start_kiosk
      # Warm this process's caches as the seeding warmed the first one's.
      python3 bench/warm.py "$KIOSK_PORT" "$KEY" "$ARTICLES"
      curl -sf "$check" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
        -d "{\"article_id\":\"art-2\",\"member_token\":\"$TOKEN\"}" >/dev/null
      p=$(wrk_run "$check" bench/premium.lua)
      m=$(wrk_run "$check" bench/metered.lua)
      if [ "$which" = before ]; then
        prem_before+=("$p") met_before+=("$m")
      else
        prem_after+=("$p") met_after+=("$m")
      fi
      stop_kiosk
    done
  done
  read -r base_rps base_p99 _ < <(median "${base[@]}")
  for which in before after; do
    if [ "$which" = before ]; then
      read -r prem_rps prem_p99 prem_bad < <(median "${prem_before[@]}")
      read -r met_rps met_p99 met_bad < <(median "${met_before[@]}")
    else
      read -r prem_rps prem_p99 prem_bad < <(median "${prem_after[@]}")
      read -r met_rps met_p99 met_bad < <(median "${met_after[@]}")
    fi
    printf '%-9s %-8s %-22s %10s %8s %7s\n' \
      "$backend" "$which" "premium, subscriber" "$prem_rps" "$prem_p99" "$(ratio "$prem_rps" "$base_rps")" \
      "$backend" "$which" "metered, new read" "$met_rps" "$met_p99" "$(ratio "$met_rps" "$base_rps")"
    if [ "$prem_bad$met_bad" != "00" ]; then
      echo "# non-2xx answers ($which): premium $prem_bad, metered $met_bad" >&2
    fi
  done
  printf '%-9s %-8s %-22s %10s\n' "$backend" "baseline" "bare handler" "$base_rps"
  if [ "$backend" = postgres ]; then
    psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  fi
done
