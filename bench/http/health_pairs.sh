#!/usr/bin/env bash
# chirpd /health against nginx's `return 200`, in alternating short pairs: on a shared,
# noisy machine one long run per server can land in different load regimes (this
# happened: ±35–60% between runs), so compare each pair and take the median ratio.
#
#   bench/http/health_pairs.sh BUILD_DIR [PAIRS] [SECONDS]     (default 7 pairs of 5 s)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: $0 BUILD_DIR [PAIRS] [SECONDS]}" && pwd)
PAIRS=${2:-7} SECS=${3:-5}
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/chirp-health-pairs.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.5; rm -rf "$WORK"; }
trap cleanup EXIT
port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
CP=$(port) NP=$(port)
"$BUILD/bin/chirpd" --data-dir "$WORK/chirp" --listen "127.0.0.1:$CP" --rate-limit off --access-log off \
  >"$WORK/chirpd.log" 2>&1 &
PIDS+=($!)
mkdir -p "$WORK/nginx/tmp"
sed -e "s|@PREFIX@|$WORK/nginx|g" -e "s|@PORT@|$NP|g" "$HERE/nginx.conf.in" >"$WORK/nginx/nginx.conf"
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" -g 'daemon off;' &
PIDS+=($!)
for _ in $(seq 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$CP/health" && curl -sf -o /dev/null "http://127.0.0.1:$NP/health" && break
  sleep 0.1
done
rps() { (cd "$HERE/wrk" && wrk -t 2 -c 64 -d "${2}s" -s static.lua "http://127.0.0.1:$1/health") |
  sed -n 's/^WRK_RESULT //p' | $PY -c 'import json,sys; print(json.loads(sys.stdin.read())["rps"])'; }
rps "$CP" 2 >/dev/null; rps "$NP" 2 >/dev/null
ratios=()
for ((i = 1; i <= PAIRS; i++)); do
  if ((i % 2)); then c=$(rps "$CP" "$SECS"); n=$(rps "$NP" "$SECS"); else n=$(rps "$NP" "$SECS"); c=$(rps "$CP" "$SECS"); fi
  r=$($PY -c "print('%.2f' % ($c / $n))")
  ratios+=("$r")
  echo "pair $i: chirpd $c req/s, nginx $n req/s, ratio $r (load $(cut -d' ' -f1 /proc/loadavg))"
done
echo "median chirpd/nginx ratio: $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')"
