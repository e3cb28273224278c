#!/usr/bin/env bash
# Runs the documented walkthroughs: every ```sh block of README.md and of the
# user guide's pages (docs/guide/, in the order its index lists them), in
# order and verbatim, against a fresh Kiosk.
#
#   bash scripts/walkthroughs.sh path/to/kiosk
#
# A fresh temporary folder stands for the repository's root: the binary is
# linked at target/release/kiosk and scripts/verify-token.mjs copied, so the
# documents' lines run there as a reader runs them from the root. Kiosk
# serves from that folder (SQLite kiosk.db there) on a free loopback port,
# with KIOSK_METRICS_TOKEN set; KIOSK_URL and KIOSK_METRICS_TOKEN are
# exported to the walkthroughs. Each document runs in one
# `bash -euo pipefail` shell, so what a line captures is there for the lines
# after it. The first failing command is named with its document, block and
# line, and the script exits non-zero. Needs curl, jq, node and python3.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: bash scripts/walkthroughs.sh KIOSK_BINARY" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BINARY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$BINARY" ] || { echo "not an executable: $1" >&2; exit 2; }
for tool in curl jq node python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "walkthroughs need $tool" >&2; exit 2; }
done

# From here on everything goes to stdout, in the order it happens.
exec 2>&1

# The documents, in order: the README, then the guide's pages as its index
# links them. A guide page the index does not link is an error.
documents=(README.md)
while IFS= read -r page; do
  documents+=("docs/guide/$page")
done < <(grep -o '](\([a-z0-9-]*\.md\))' "$ROOT/docs/guide/README.md" \
  | sed 's/^](\(.*\))$/\1/' | awk '!seen[$0]++')
for page in "$ROOT"/docs/guide/*.md; do
  name=docs/guide/$(basename "$page")
  [ "$name" = docs/guide/README.md ] && continue
  case " ${documents[*]} " in
    *" $name "*) ;;
    *) echo "$name is not linked from docs/guide/README.md" >&2; exit 1 ;;
  esac
done

# A server of its own: nothing from the caller's environment reaches it.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(KIOSK_|DATABASE_URL$)' || true)

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/target/release" "$WORK/scripts" "$WORK/.walkthroughs"
ln -s "$BINARY" "$WORK/target/release/kiosk"
cp "$ROOT/scripts/verify-token.mjs" "$WORK/scripts/"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export KIOSK_URL="http://127.0.0.1:$PORT"
export KIOSK_METRICS_TOKEN="walkthrough-metrics-$PORT-$$"
LOG="$WORK/.walkthroughs/kiosk.log"

(cd "$WORK" && exec env KIOSK_BIND="127.0.0.1:$PORT" KIOSK_LOG_FORMAT=json \
  "$WORK/target/release/kiosk" serve >"$LOG" 2>&1) &
SERVER_PID=$!
for _ in $(seq 1 150); do
  curl -fsS "$KIOSK_URL/healthz" >/dev/null 2>&1 && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "kiosk exited before answering:" >&2
    cat "$LOG" >&2
    exit 1
  fi
  sleep 0.2
done
curl -fsS "$KIOSK_URL/healthz" >/dev/null
echo "kiosk serving at $KIOSK_URL"

# Writes the document's ```sh blocks as one script, and beside it the place
# each script line came from (document, block, line), which the script's
# ERR trap prints for the first command that fails.
extract() { # document script places
  local doc=$1 script=$2 places=$3
  {
    echo 'set -euo pipefail'
    echo "trap 'echo \"walkthrough failed: \$(sed -n \"\${LINENO}p\" \"$places\")\" >&2' ERR"
  } >"$script"
  printf '\n\n' >"$places"
  awk -v doc="$doc" -v script="$script" -v places="$places" '
    !inside && /^[ \t]*```sh[ \t]*$/ {
      inside = 1; block++; match($0, /^[ \t]*/); indent = RLENGTH; next
    }
    inside && /^[ \t]*```[ \t]*$/ { inside = 0; next }
    inside {
      line = substr($0, 1, indent) ~ /^[ \t]*$/ ? substr($0, indent + 1) : $0
      print line >> script
      print doc ", block " block ", line " NR ": " line >> places
    }
    END { if (inside) { print "an sh block in " doc " is not closed" > "/dev/stderr"; exit 1 } }
  ' "$ROOT/$doc"
}

failed=0
for doc in "${documents[@]}"; do
  script="$WORK/.walkthroughs/$(echo "$doc" | tr / _).sh"
  places="$script.places"
  extract "$doc" "$script" "$places"
  blocks=$(grep -c '^[[:space:]]*```sh[[:space:]]*$' "$ROOT/$doc" || true)
  if [ "$blocks" -eq 0 ]; then
    echo "== $doc: no sh blocks"
    continue
  fi
  echo "== $doc: $blocks sh blocks"
  if ! (cd "$WORK" && bash -euo pipefail "$script"); then
    echo "!! $doc failed"
    failed=1
    break
  fi
done

if [ "$failed" -ne 0 ]; then
  echo "--- the server's log (last 50 lines) ---"
  tail -n 50 "$LOG"
  exit 1
fi
echo "walkthroughs passed: ${#documents[@]} documents"
