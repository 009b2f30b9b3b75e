#!/usr/bin/env bash
# Search ingest side by side (issue 3): the plain single-writer Xapian loop
# and chirp's BulkLoad on the same tweets in one run (ingest_bench), then
# `chirpctl import` of the same corpus into a fresh data folder (LMDB + Xapian,
# durable and searchable when it returns) with its wall time and peak RSS.
# Usage: bench/run_ingest_bench.sh BUILD_DIR CORPUS.jsonl [RECORDS] [ROUNDS]
# The import reads the whole file: pass a corpus of RECORDS lines to compare.
set -euo pipefail
build=${1:?build dir} corpus=${2:?corpus file} records=${3:-200000} rounds=${4:-1}
work=$(mktemp -d /tmp/chirp-ingest-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "== $(date -u +%FT%TZ) $(nproc) cores; uptime: $(uptime)"
CHIRP_INGEST_WORK="$work/bench" "$build/bin/ingest_bench" "$corpus" "$records" "$rounds"
rm -rf "$work/bench"
head -n "$records" "$corpus" > "$work/corpus.jsonl"
echo "== chirpctl import of the same $records records; uptime: $(uptime)"
/usr/bin/time -f "chirpctl import: %e s wall, peak RSS %M KiB" \
  "$build/bin/chirpctl" --data-dir "$work/data" import "$work/corpus.jsonl" 2>&1 | tr '\r' '\n' |
  grep -E "bulk load|tweets:|chirpctl import|rejected" || true
echo "search index: $(du -sb "$work/data/search" | cut -f1) bytes; LMDB: $(du -sb "$work/data" --exclude=search | cut -f1) bytes"
echo "== done; uptime: $(uptime)"
