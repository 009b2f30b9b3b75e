#!/usr/bin/env bash
# Where chirpd's time goes on one benchmark route: callgrind instruction counts
# (repeatable on a shared machine, unlike wall clock).
#
#   bench/http/profile_chirpd.sh BUILD_DIR ENDPOINT [N] [--scale S]
#
# ENDPOINT: health | tweets | user_tweets | timeline | search | post. Uses a copy of the
# cached data folder of run_http_bench.sh (run that first) and the same inputs, starts
# chirpd under valgrind with one HTTP thread, warms up, zeroes the counters, sends N
# requests (default 200) one at a time on a keep-alive connection, dumps the profile and
# prints the top inclusive functions and the instructions per request.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:?usage: $0 BUILD_DIR ENDPOINT [N] [--scale S]}" && pwd)
EP=${2:?endpoint}
N=${3:-200}
SCALE=1000000
[ "${4:-}" = --scale ] && SCALE=$5
PY=/usr/bin/python3
CORPUS=$ROOT/bench/data/corpus-$SCALE.jsonl
[ "$SCALE" = 1000000 ] && CORPUS=$ROOT/bench/data/corpus-1m.jsonl
CACHE=$ROOT/bench/data/cache/http-$(sha256sum "$CORPUS" | cut -c1-16)
[ -d "$CACHE/chirp" ] || { echo "no cached data folder in $CACHE: run run_http_bench.sh first" >&2; exit 1; }

WORK=$(mktemp -d /tmp/chirp-http-profile.XXXXXX)
OUT=$ROOT/bench/results/profile-$EP-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
VG_PID=""
cleanup() { [ -n "$VG_PID" ] && kill "$VG_PID" 2>/dev/null; sleep 1; rm -rf "$WORK"; }
trap cleanup EXIT

$PY "$HERE/prepare_inputs.py" "$CORPUS" "$WORK/inputs"
cp -a "$CACHE/chirp" "$WORK/chirp"
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" \
  "$BUILD/bin/chirpd" --data-dir "$WORK/chirp" --listen "127.0.0.1:$PORT" --rate-limit off \
  --access-log off --threads 1 >"$OUT/valgrind.log" 2>&1 &
VG_PID=$!
for _ in $(seq 900); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/ready" && break; sleep 1; done
send() { $PY "$HERE/profile_client.py" "$PORT" "$WORK/inputs" "$EP" "$@"; }
send 0 --setup
send 20
callgrind_control -z "$VG_PID" >/dev/null
send "$N"
callgrind_control -d "$VG_PID" >/dev/null
sleep 1
PROFILE=$(ls -t "$OUT"/callgrind.out.* | head -1)
TOTAL=$(callgrind_annotate "$PROFILE" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
{
  echo "endpoint $EP: $N requests, $TOTAL instructions, $((TOTAL / N)) per request"
  callgrind_annotate --inclusive=yes "$PROFILE" | grep -E '^ *[0-9,]+ \(' | sed -n '1,60p' | cut -c1-220
} | tee "$OUT/summary.txt"
echo "profile: $PROFILE (callgrind_annotate / kcachegrind)" >&2
