#!/usr/bin/env bash
# HTTP benchmark, side by side: chirpd, nginx's ceiling (/health only) and the seed's stack
# (Flask + SQLAlchemy + PostgreSQL under gunicorn, 2 workers), same data, same wrk scripts.
#
#   bench/http/run_http_bench.sh BUILD_DIR [--seconds S] [--warmup S] [--runs N] [--scale N]
#                                [--endpoints health,tweets,user_tweets,timeline,search,post]
#                                [--gunicorn-class sync|gthread|gevent]
#
# BUILD_DIR holds bin/chirpd and bin/chirpctl (a Release build). Defaults: 1,000,000 tweets,
# 10 s per endpoint after a 3 s warm-up, 2 runs, every endpoint, the gunicorn worker class
# chosen by a short probe of each (--gunicorn-class skips the probe). Everything listens on
# 127.0.0.1 only. A shorter run for one question, e.g. the POST path:
#   bench/http/run_http_bench.sh build --scale 20000 --endpoints health,post --gunicorn-class gthread
# Cached (git-ignored) in bench/data/cache/http-<corpus hash>/: the imported chirp data
# folder and the loaded PostgreSQL cluster; each run works on copies (POSTs write).
# Results: bench/results/http-<time>/ (raw wrk output, results.jsonl, summary.md, chart).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:?usage: $0 BUILD_DIR [--seconds S] [--warmup S] [--runs N] [--scale N]}" && pwd)
shift
DURATION=10 WARMUP=3 RUNS=2 SCALE=1000000 PROBE=5
ENDPOINT_LIST=health,tweets,user_tweets,timeline,search,post GUNICORN_CLASS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --scale) SCALE=$2; shift 2 ;;
    --endpoints) ENDPOINT_LIST=$2; shift 2 ;;
    --gunicorn-class) GUNICORN_CLASS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
CONNS=64 THREADS=2 GUNICORN_WORKERS=2 GTHREADS=4
PASSWORD=benchpass1
PY=/usr/bin/python3   # Debian's Python: the one with Debian's Flask, SQLAlchemy, psycopg2
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
CHIRPD=$BUILD/bin/chirpd CHIRPCTL=$BUILD/bin/chirpctl

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() {  # URL SECONDS: until it answers 200
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.1
  done
  echo "no 200 from $1 after $2 s" >&2; return 1
}
peak_rss_kb() {  # PID...: sum of VmHWM (peak resident set) over the processes
  local sum=0 p v
  for p in "$@"; do
    v=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)
    sum=$((sum + ${v:-0}))
  done
  echo $sum
}
pss_kb() {  # PID...: sum of the current proportional set size (shared pages split between sharers)
  local sum=0 p v
  for p in "$@"; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    sum=$((sum + ${v:-0}))
  done
  echo $sum
}
as_pg() { runuser -u postgres -- "$@"; }

# ---- data ------------------------------------------------------------------------
CORPUS=$ROOT/bench/data/corpus-$SCALE.jsonl
[ "$SCALE" = 1000000 ] && CORPUS=$ROOT/bench/data/corpus-1m.jsonl
if [ ! -s "$CORPUS" ]; then
  log "corpus: building $CORPUS"
  "$ROOT/bench/data/fetch_corpus" --scale "$SCALE" --out "$CORPUS"
fi
HASH=$(sha256sum "$CORPUS" | cut -c1-16)
CACHE=$ROOT/bench/data/cache/http-$HASH
mkdir -p "$CACHE"
if [ ! -d "$CACHE/chirp" ]; then
  log "chirp: importing $CORPUS (cached afterwards in $CACHE/chirp)"
  rm -rf "$CACHE/chirp.partial"
  /usr/bin/time -f "chirpctl import: %e s, peak RSS %M KB" \
    "$CHIRPCTL" --data-dir "$CACHE/chirp.partial" import "$CORPUS" --password "$PASSWORD"
  mv "$CACHE/chirp.partial" "$CACHE/chirp"
fi

WORK=$(mktemp -d /tmp/chirp-http-bench.XXXXXX)
chmod 755 "$WORK"
OUT=$ROOT/bench/results/http-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
PIDS_TO_STOP=()
PG_DATA=""
cleanup() {
  local p
  for p in "${PIDS_TO_STOP[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS_TO_STOP[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  [ -n "$PG_DATA" ] && as_pg "$PGBIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "inputs: drawing users, queries and bodies from the corpus"
$PY "$HERE/prepare_inputs.py" "$CORPUS" "$WORK/inputs"

log "chirp: copying the cached data folder (POSTs write to it)"
cp -a "$CACHE/chirp" "$WORK/chirp"

# ---- PostgreSQL: own cluster, loopback port, unprivileged user -------------------
APP_HASH=$(cat "$HERE"/flask_app/{models,load,entities}.py | sha256sum | cut -c1-12)
PG_CACHE=$CACHE/pg-$APP_HASH
PG_PORT=$(free_port)
PG_DATA=$WORK/pg
PG_SOCK=$WORK/pgsock
mkdir -p "$PG_SOCK" "$WORK/pglog" && chown postgres: "$PG_SOCK" "$WORK/pglog"
pg_start() {
  as_pg "$PGBIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pglog/postgres.log" -w -t 300 start -o \
    "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_SOCK \
     -c shared_buffers=1GB -c effective_cache_size=4GB -c work_mem=16MB \
     -c maintenance_work_mem=1GB -c max_connections=100 -c jit=off \
     -c wal_level=minimal -c max_wal_senders=0 -c max_wal_size=4GB" >/dev/null
}
DSN="postgresql+psycopg2://postgres@127.0.0.1:$PG_PORT/chirp"
if [ -d "$PG_CACHE" ]; then
  log "postgres: copying the cached cluster"
  cp -a "$PG_CACHE" "$PG_DATA"
  pg_start
else
  log "postgres: initdb, COPY load, indexes (cached afterwards in $PG_CACHE)"
  mkdir -p "$PG_DATA" && chown postgres: "$PG_DATA"
  as_pg "$PGBIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  pg_start
  as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres chirp
  /usr/bin/time -f "postgres load: %e s" $PY "$HERE/flask_app/load.py" --dsn "$DSN" \
    --password "$PASSWORD" "$CORPUS" 2>&1 | tee "$OUT/pg_load.log" >&2
  as_pg "$PGBIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
  rm -rf "$PG_CACHE.partial" && cp -a "$PG_DATA" "$PG_CACHE.partial" && mv "$PG_CACHE.partial" "$PG_CACHE"
  pg_start
fi
PG_PID=$(head -1 "$PG_DATA/postmaster.pid")

# ---- servers ----------------------------------------------------------------------
CHIRP_PORT=$(free_port)
"$CHIRPD" --data-dir "$WORK/chirp" --listen "127.0.0.1:$CHIRP_PORT" --rate-limit off \
  --access-log off >"$WORK/chirpd.log" 2>&1 &
CHIRP_PID=$!
PIDS_TO_STOP+=("$CHIRP_PID")

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/tmp"
sed -e "s|@PREFIX@|$WORK/nginx|g" -e "s|@PORT@|$NGINX_PORT|g" "$HERE/nginx.conf.in" >"$WORK/nginx/nginx.conf"
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" -g 'daemon off;' &
NGINX_PID=$!
PIDS_TO_STOP+=("$NGINX_PID")

FLASK_PORT=$(free_port)
FLASK_PID=""
start_gunicorn() {  # CLASS
  local extra=() pool=1
  case "$1" in
    gthread) extra=(--threads "$GTHREADS"); pool=$GTHREADS ;;
    gevent) extra=(--worker-connections 1000); pool=16 ;;
  esac
  CHIRP_FLASK_DSN=$DSN CHIRP_FLASK_POOL=$pool /usr/bin/gunicorn -c "$HERE/gunicorn_conf.py" \
    --chdir "$HERE/flask_app" -w "$GUNICORN_WORKERS" -k "$1" "${extra[@]}" \
    -b "127.0.0.1:$FLASK_PORT" app:app >>"$WORK/gunicorn.log" 2>&1 &
  FLASK_PID=$!
  PIDS_TO_STOP+=("$FLASK_PID")
  wait_http "http://127.0.0.1:$FLASK_PORT/health" 60
}
stop_gunicorn() {
  kill "$FLASK_PID"
  wait "$FLASK_PID" 2>/dev/null || true
}

log "chirpd: waiting for /ready (opening the 1M-tweet data folder)"
wait_http "http://127.0.0.1:$CHIRP_PORT/ready" 900
wait_http "http://127.0.0.1:$NGINX_PORT/health" 30

log "setup through the APIs: logins, 200 follows, preflight of every route"
mkdir -p "$WORK/chirp-tokens" "$WORK/flask-tokens"
$PY "$HERE/setup_api.py" "http://127.0.0.1:$CHIRP_PORT" "$PASSWORD" "$WORK/inputs" "$WORK/chirp-tokens"
start_gunicorn gthread
$PY "$HERE/setup_api.py" "http://127.0.0.1:$FLASK_PORT" "$PASSWORD" "$WORK/inputs" "$WORK/flask-tokens"
stop_gunicorn

# ---- wrk ------------------------------------------------------------------------
IFS=, read -r -a ENDPOINTS <<<"$ENDPOINT_LIST"
for ep in "${ENDPOINTS[@]}"; do
  case "$ep" in health | tweets | user_tweets | timeline | search | post) ;; *) echo "unknown endpoint $ep" >&2; exit 2 ;; esac
done
has_endpoint() { [[ ",$ENDPOINT_LIST," == *",$1,"* ]]; }
declare -A PATH_OF=([health]=/health [tweets]=/api/v1/tweets [user_tweets]=/api/v1/tweets/{username}
  [timeline]=/api/v1/timeline [search]="/api/v1/search?q=" [post]="POST /api/v1/tweets")
RESULTS=$OUT/results.jsonl
: >"$RESULTS"
run_wrk() {  # SERVER PORT ENDPOINT SECONDS TAG -> appends a result line (unless TAG is warmup)
  local server=$1 port=$2 ep=$3 secs=$4 tag=$5 url="http://127.0.0.1:$2" args=()
  local tokens=$WORK/$server-tokens
  case "$ep" in
    health) args=(-s static.lua "$url/health") ;;
    tweets) args=(-s static.lua "$url/api/v1/tweets") ;;
    user_tweets) args=(-s rotate.lua "$url" user_tweets "$WORK/inputs/users.txt") ;;
    timeline) args=(-s rotate.lua "$url" timeline "$tokens/reader_token.txt") ;;
    search) args=(-s rotate.lua "$url" search "$WORK/inputs/queries.txt") ;;
    post) args=(-s rotate.lua "$url" post "$WORK/inputs/bodies.txt" "$tokens/post_tokens.txt") ;;
  esac
  local raw=$OUT/wrk-$tag-$server-$ep.txt
  (cd "$HERE/wrk" && wrk -t "$THREADS" -c "$CONNS" -d "${secs}s" --timeout 10s --latency "${args[@]}") >"$raw"
  [ "$tag" = warmup ] && return 0
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  sed -n 's/^WRK_RESULT //p' "$raw" | $PY -c '
import json, sys
r = json.loads(sys.stdin.read())
r.update(server=sys.argv[1], endpoint=sys.argv[2], run=sys.argv[3], load1=float(sys.argv[4]))
print(json.dumps(r))' "$server" "$ep" "$tag" "$load" >>"$RESULTS"
  log "  $tag $server $ep: $(tail -1 "$RESULTS" | $PY -c 'import json,sys; r=json.loads(sys.stdin.read()); print("%.0f req/s, p50 %.2f ms, p99 %.2f ms, non-2xx %d, socket errors %d" % (r["rps"], r["p50_ms"], r["p99_ms"], r["non2xx"], r["socket_errors"]))')"
}

best_class=$GUNICORN_CLASS best_score=0
[ -z "$best_class" ] && log "gunicorn: measuring worker classes (${PROBE} s each on /api/v1/tweets and /api/v1/tweets/{username})"
for cls in sync gthread gevent; do
  [ -n "$GUNICORN_CLASS" ] && break
  start_gunicorn "$cls"
  run_wrk flask "$FLASK_PORT" tweets 2 warmup
  score=1
  for ep in tweets user_tweets; do
    run_wrk flask "$FLASK_PORT" "$ep" "$PROBE" "probe-$cls"
    rps=$(tail -1 "$RESULTS" | $PY -c 'import json,sys; print(json.loads(sys.stdin.read())["rps"])')
    score=$($PY -c "print($score * $rps)")
  done
  stop_gunicorn
  if $PY -c "import sys; sys.exit(0 if $score > $best_score else 1)"; then best_class=$cls best_score=$score; fi
done
log "gunicorn: using the $best_class worker class"
echo "$best_class" >"$OUT/gunicorn_class.txt"
start_gunicorn "$best_class"

UPTIMES=$OUT/uptime.txt
: >"$UPTIMES"
for ((run = 1; run <= RUNS; run++)); do
  echo "run $run start: $(uptime)" >>"$UPTIMES"
  log "run $run of $RUNS: $(uptime)"
  for ep in "${ENDPOINTS[@]}"; do
    servers=(chirp flask)
    [ "$ep" = health ] && servers=(chirp nginx flask)
    for server in "${servers[@]}"; do
      case "$server" in chirp) port=$CHIRP_PORT ;; nginx) port=$NGINX_PORT ;; flask) port=$FLASK_PORT ;; esac
      run_wrk "$server" "$port" "$ep" "$WARMUP" warmup
      run_wrk "$server" "$port" "$ep" "$DURATION" "run$run"
    done
  done
  echo "run $run end:   $(uptime)" >>"$UPTIMES"
done

# ---- POST with more HTTP threads --------------------------------------------------
# chirpd answers a POST when its group commit is durable without holding the HTTP
# thread meanwhile (late replies), so one thread per core keeps all 64 posts in flight.
# Before that, a POST held its thread through the fsync and only --threads 64 did; the
# same data with --threads 64 is kept as the comparison.
CHIRP_RSS=$(peak_rss_kb "$CHIRP_PID")
if has_endpoint post; then
kill "$CHIRP_PID"; wait "$CHIRP_PID" 2>/dev/null || true
"$CHIRPD" --data-dir "$WORK/chirp" --listen "127.0.0.1:$CHIRP_PORT" --rate-limit off \
  --access-log off --threads 64 >>"$WORK/chirpd.log" 2>&1 &
CHIRP_PID=$!
PIDS_TO_STOP+=("$CHIRP_PID")
wait_http "http://127.0.0.1:$CHIRP_PORT/ready" 900
mkdir -p "$WORK/chirp64-tokens" && cp "$WORK"/chirp-tokens/* "$WORK/chirp64-tokens/"
for ((run = 1; run <= RUNS; run++)); do
  run_wrk chirp64 "$CHIRP_PORT" post "$WARMUP" warmup
  run_wrk chirp64 "$CHIRP_PORT" post "$DURATION" "run$run"
done
fi

# ---- peak memory ----------------------------------------------------------------
{
  echo "chirpd $CHIRP_RSS"
  echo "chirpd--threads-64 $(peak_rss_kb "$CHIRP_PID")"
  echo "nginx $(peak_rss_kb "$NGINX_PID" $(pgrep -P "$NGINX_PID"))"
  echo "gunicorn $(peak_rss_kb "$FLASK_PID" $(pgrep -P "$FLASK_PID"))"
  echo "postgres $(peak_rss_kb "$PG_PID" $(pgrep -P "$PG_PID"))"
} >"$OUT/peak_rss_kb.txt"
{  # at the end of the runs; for multi-process servers this does not count shared pages twice
  echo "chirpd--threads-64 $(pss_kb "$CHIRP_PID")"
  echo "nginx $(pss_kb "$NGINX_PID" $(pgrep -P "$NGINX_PID"))"
  echo "gunicorn $(pss_kb "$FLASK_PID" $(pgrep -P "$FLASK_PID"))"
  echo "postgres $(pss_kb "$PG_PID" $(pgrep -P "$PG_PID"))"
} >"$OUT/pss_kb.txt"
cat "$OUT/peak_rss_kb.txt" >&2

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), nproc $(nproc)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "versions: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(nginx -v 2>&1 | cut -d' ' -f3), $("$PGBIN/postgres" --version), gunicorn $($PY -c 'import gunicorn; print(gunicorn.__version__)'), Flask $($PY -c 'import flask; print(flask.__version__)'), SQLAlchemy $($PY -c 'import sqlalchemy; print(sqlalchemy.__version__)')"
  echo "wrk: $THREADS threads, $CONNS connections, keep-alive, ${WARMUP} s warm-up + ${DURATION} s per endpoint, $RUNS runs"
  echo "endpoints: $ENDPOINT_LIST; chirpd threads: default (one per core)"
  echo "gunicorn: $GUNICORN_WORKERS workers, class $best_class"
  echo "corpus: $(basename "$CORPUS") sha256 $HASH..."
} >"$OUT/machine.txt"

$PY "$HERE/report.py" "$OUT"
log "results in $OUT (summary.md, bench-http.png)"
