# Functions shared by the benchmark scripts (sourced, not run).
# The caller sets KIOSK_PORT, CONNECTIONS and DURATION.

# Fails when a port is already taken.
ports_free() {
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port is taken; set KIOSK_PORT / BASELINE_PORT" >&2
      exit 1
    fi
  done
}

# Builds the release binaries and sets up $WORK (removed on exit, with
# every process whose pid is in PIDS).
bench_setup() {
  cargo build --release --quiet --bin kiosk --example baseline
  KIOSK=target/release/kiosk
  BASELINE=target/release/examples/baseline
  WORK=$(mktemp -d)
  PIDS=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}

# access_bench_start: the defaults of the access benchmarks (bench/access.sh,
# bench/compare.sh), the release binaries, and the bare baseline running on
# $BASELINE_PORT.
access_bench_start() {
  BACKENDS=${BACKENDS:-sqlite postgres}
  export ARTICLES=100000
  DURATION=${DURATION:-10s}
  ROUNDS=${ROUNDS:-5}
  CONNECTIONS=64
  PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
  KIOSK_PORT=${KIOSK_PORT:-28480}
  BASELINE_PORT=${BASELINE_PORT:-28481}
  ports_free "$KIOSK_PORT" "$BASELINE_PORT"
  bench_setup
  "$BASELINE" "127.0.0.1:$BASELINE_PORT" &
  PIDS+=($!)
  wait_up "$BASELINE_PORT"
}

wait_up() {
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$1/" -o /dev/null -X POST 2>/dev/null && return 0
    curl -sf "http://127.0.0.1:$1/healthz" -o /dev/null 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2
  return 1
}

# wrk_run URL SCRIPT [wrk options] -> "req/s p99_ms non2xx"
wrk_run() {
  local url=$1 script=$2 out
  shift 2
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$script" "$@" "$url")
  echo "$out" | awk '
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { v = $2; if (v ~ /us$/) ms = v / 1000; else if (v ~ /ms$/) ms = v + 0; else ms = v * 1000 }
    /Non-2xx/ { bad = $5 }
    END { printf "%.0f %.2f %d\n", rps, ms, bad }'
}

# median "rps p99 bad"... -> the run with the median req/s, as it was
# measured (its own p99), and the sum of the runs' non-2xx answers.
median() {
  printf '%s\n' "$@" | sort -n -k1,1 | awk '{ line[NR] = $0; bad += $3 }
    END { split(line[int((NR + 1) / 2)], m, " "); printf "%s %s %d\n", m[1], m[2], bad }'
}

hex() { python3 -c "import secrets; print(secrets.token_hex($1))"; }

# start_kiosk: runs migrations and starts Kiosk on $KIOSK_DATABASE_URL;
# sets kiosk_pid.
start_kiosk() {
  export RUST_LOG=${RUST_LOG:-warn} KIOSK_BIND="127.0.0.1:$KIOSK_PORT"
  export KIOSK_DB_POOL_SIZE=${KIOSK_DB_POOL_SIZE:-16} KIOSK_ACCESS_TOKEN_TTL_SECS=3600
  export KIOSK_CHECK_TOKEN_TTL_SECS=3600
  "$KIOSK" migrate >/dev/null
  "$KIOSK" serve >"$WORK/kiosk.log" 2>&1 &
  kiosk_pid=$!
  PIDS+=("$kiosk_pid")
  wait_up "$KIOSK_PORT"
}

stop_kiosk() {
  kill "$kiosk_pid"
  wait "$kiosk_pid" 2>/dev/null || true
}

# seed_kiosk BACKEND: signs up the subscriber, loads $MEMBERS members and
# $ARTICLES articles (bench/seed.sql.sh) into $KIOSK_DATABASE_URL (a file
# for SQLite), checks the subscriber's premium answer and warms the article
# cache. Exports TOKEN (the subscriber's check token for the publisher),
# SUBSCRIBER and KEY for the wrk scripts.
seed_kiosk() {
  local backend=$1 signup secret seeded first access
  signup=$(curl -sf "http://127.0.0.1:$KIOSK_PORT/v1/members" -H 'content-type: application/json' \
    -d '{"email":"subscriber@example.com","password":"correct horse battery"}')
  export TOKEN SUBSCRIBER KEY_ID KEY_HASH KEY
  access=$(echo "$signup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  SUBSCRIBER=$(echo "$signup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["member"]["id"])')
  KEY_ID="key_$(hex 16)"
  secret=$(hex 32)
  KEY_HASH=$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)
  KEY="kiosk_pub_${KEY_ID}_${secret}"
  seeded=$(date +%s)
  if [ "$backend" = sqlite ]; then
    bench/seed.sql.sh sqlite | sqlite3 "${KIOSK_DATABASE_URL#sqlite://}"
    # The seed's rows, still in the WAL, would be copied out by the first
    # checkpoint of the measured run.
    sqlite3 "${KIOSK_DATABASE_URL#sqlite://}" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
  else
    bench/seed.sql.sh postgres | psql -q -v ON_ERROR_STOP=1 "$KIOSK_DATABASE_URL" >/dev/null
    # Autovacuum's pass over the seed's rows and the checkpoint that writes
    # them out would otherwise fall in the measured seconds.
    psql -q "$KIOSK_DATABASE_URL" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
  fi
  echo "# $backend: seeded $MEMBERS members, $ARTICLES articles in $(( $(date +%s) - seeded ))s" >&2
  TOKEN=$(curl -sf "http://127.0.0.1:$KIOSK_PORT/v1/me/check-tokens" -H "Authorization: Bearer $access" \
    -H 'content-type: application/json' -d "{\"publisher\":\"the-daily\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["check_token"])')
  CHECK_URL="http://127.0.0.1:$KIOSK_PORT/v1/access/check"
  first=$(curl -sf "$CHECK_URL" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
    -d "{\"article_id\":\"art-2\",\"member_token\":\"$TOKEN\"}")
  echo "$first" | grep -q '"reason":"subscription"' || { echo "unexpected: $first" >&2; exit 1; }
  # Warm the article cache the way a listing page would (check-batch).
  python3 bench/warm.py "$KIOSK_PORT" "$KEY" "$ARTICLES"
}

ratio() { python3 -c "print(f'{$1 / $2:.0%}')"; }
