#!/usr/bin/env bash
# Search ingest side by side (issue 3): the plain single-writer Xapian loop
# and chirp's BulkLoad on the same tweets (ingest_bench), then `chirpctl
# import` of the same corpus into a fresh data folder (LMDB + Xapian, durable
# and searchable when it returns) with its wall time, CPU time and peak RSS.
# Each round runs all three one after another, so the import's ratio is taken
# against the plain loop of its own round (the machine's load drifts by ±6%
# over minutes here); the summary divides the rounds' summed times.
# Usage: bench/run_ingest_bench.sh BUILD_DIR CORPUS.jsonl [RECORDS] [ROUNDS]
# The import reads the whole file: pass a corpus of RECORDS lines to compare.
set -euo pipefail
build=${1:?build dir} corpus=${2:?corpus file} records=${3:-200000} rounds=${4:-1}
work=$(mktemp -d /tmp/chirp-ingest-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "== $(date -u +%FT%TZ) $(nproc) cores; uptime: $(uptime)"
head -n "$records" "$corpus" > "$work/corpus.jsonl"
plain_total=0 import_total=0
for round in $(seq 1 "$rounds"); do
  echo "== round $round: plain loop and BulkLoad; uptime: $(uptime)"
  CHIRP_INGEST_WORK="$work/bench" "$build/bin/ingest_bench" "$corpus" "$records" 1 | tee "$work/bench.out"
  rm -rf "$work/bench"
  plain=$(awk -F'|' '/plain Xapian loop/ {gsub(/ /, "", $4); print $4}' "$work/bench.out")
  echo "== round $round: chirpctl import of the same $records records; uptime: $(uptime)"
  rm -rf "$work/data"
  /usr/bin/time -f "chirpctl import: %e s wall, %U s user + %S s system, peak RSS %M KiB" -o "$work/time.out" \
    "$build/bin/chirpctl" --data-dir "$work/data" import "$work/corpus.jsonl" 2>&1 | tr '\r' '\n' |
    grep -E "bulk load|tweets:|rejected" || true
  cat "$work/time.out"
  import=$(awk '{print $3}' "$work/time.out")
  echo "round $round: import $(awk -v p="$plain" -v i="$import" 'BEGIN {printf "%.2f", p / i}')× the plain loop ($plain s / $import s)"
  echo "search index: $(du -sb "$work/data/search" | cut -f1) bytes; LMDB: $(du -sb "$work/data" --exclude=search | cut -f1) bytes"
  plain_total=$(awk -v a="$plain_total" -v b="$plain" 'BEGIN {print a + b}')
  import_total=$(awk -v a="$import_total" -v b="$import" 'BEGIN {print a + b}')
done
echo "== import / plain loop over $rounds round(s): $(awk -v p="$plain_total" -v i="$import_total" 'BEGIN {printf "%.2f", p / i}')× (plain $plain_total s, import $import_total s)"
echo "== done; uptime: $(uptime)"
