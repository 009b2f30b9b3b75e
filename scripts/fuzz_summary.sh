#!/usr/bin/env bash
# Prints the fuzzing figures of the last ctest run in a fuzz build folder:
# per target the corpus replay and fuzzing executions and findings, and totals.
# The figures come from tests/fuzz/run_fuzz.sh (<build>/tests/fuzz/work/<target>/*.stats).
# Usage: scripts/fuzz_summary.sh [build-fuzz]
set -uo pipefail
work=${1:-build-fuzz}/tests/fuzz/work
[ -d "$work" ] || { echo "fuzz: no results in $work"; exit 0; }
echo "=== fuzzing (executions, findings) ==="
printf '%-14s %12s %12s %9s\n' target replayed fuzzed findings
tr=0 tf=0 tn=0
for dir in "$work"/*/; do
  t=$(basename "$dir")
  get() { sed -nE "s/.* $2=([0-9]+).*/\1/p" "$dir/$1.stats" 2>/dev/null | head -1; }
  r=$(get replay runs); f=$(get fuzz runs)
  a=$(get replay findings); b=$(get fuzz findings); n=$(( ${a:-0} + ${b:-0} ))
  printf '%-14s %12s %12s %9s\n' "$t" "${r:-0}" "${f:-0}" "$n"
  tr=$((tr + ${r:-0})); tf=$((tf + ${f:-0})); tn=$((tn + n))
done
printf '%-14s %12s %12s %9s\n' total "$tr" "$tf" "$tn"
echo "fuzz: $((tr + tf)) executions, $tn findings"
