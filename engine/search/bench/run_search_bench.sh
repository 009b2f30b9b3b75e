#!/usr/bin/env bash
# make bench-search: builds the corpus if missing, then runs search_bench
# (chirp, plain Xapian loop, SQLite FTS5, PostgreSQL on one corpus and one
# query set) and times `chirpctl import` of the same corpus into a fresh data
# folder (durable and searchable when it returns), with its peak RSS.
# Usage: run_search_bench.sh BUILD_DIR SCALE CORPUS
# The peers return what chirp's page returns (text, username, time, highlight
# ranges) unless CHIRP_BENCH_PEER_IDS_ONLY=1 (row ids only, less work than
# chirp); the output header says which. Other CHIRP_BENCH_* variables: see
# search_bench.cc.
set -euo pipefail
build=${1:?build dir} scale=${2:?scale} corpus=${3:?corpus file}
cd "$(dirname "$0")/../../.."
[ -s "$corpus" ] || bench/data/fetch_corpus --scale "$scale" --out "$corpus"
work=$(mktemp -d /tmp/chirp-search-bench.XXXXXX)
chmod 711 "$work"  # the PostgreSQL peer runs initdb as user postgres below it
trap 'rm -rf "$work"' EXIT
echo "== $(date -u +%FT%TZ) uptime: $(uptime)"
echo "== search_bench $corpus $scale"
"$build/bin/search_bench" "$corpus" "$scale" "$work/bench"
rm -rf "$work/bench"
echo "== chirpctl import (durable and searchable on return); uptime: $(uptime)"
/usr/bin/time -f "chirpctl import: %e s wall, peak RSS %M KiB" \
  "$build/bin/chirpctl" --data-dir "$work/data" import "$corpus" 2>&1 | tr '\r' '\n' | tail -3
echo "search index: $(du -sb "$work/data/search" | cut -f1) bytes"
