#!/bin/sh
# Runs engine_bench several times and prints the median of each row.
#
#   bench/run_engine_bench.sh BUILD_DIR [engine_bench args...]
#
# RUNS (default 3) sets the number of runs. Each run uses a fresh data folder
# under $TMPDIR. The machine is shared and noisy: compare builds side by side.
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [engine_bench args...]" >&2
  exit 2
fi
build=$1
shift
bin=$build/bin/engine_bench
[ -x "$bin" ] || { echo "$bin not found: build the engine_bench target first" >&2; exit 1; }
runs=${RUNS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
i=1
while [ "$i" -le "$runs" ]; do
  echo "run $i/$runs..." >&2
  "$bin" "$@" > "$out/run$i.txt"
  i=$((i + 1))
done
echo "engine_bench, median of $runs runs ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
echo
echo "| measurement | median | runs |"
echo "|---|---|---|"
# Rows are "| name | value |"; keep their order, gather each name's values.
cat "$out"/run*.txt | awk -F'|' '
  NF >= 4 && $3 ~ /^ *[0-9.]+ *$/ {
    name = $2; gsub(/^ +| +$/, "", name); v = $3 + 0
    if (!(name in n)) order[++rows] = name
    vals[name, ++n[name]] = v
  }
  END {
    for (r = 1; r <= rows; r++) {
      name = order[r]; k = n[name]
      for (i = 1; i <= k; i++) a[i] = vals[name, i]
      for (i = 2; i <= k; i++) { x = a[i]; j = i - 1; while (j > 0 && a[j] > x) { a[j + 1] = a[j]; j-- } a[j + 1] = x }
      med = (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
      all = ""; for (i = 1; i <= k; i++) all = all (i > 1 ? " / " : "") vals[name, i]
      fmt = (med == int(med)) ? "%d" : "%.2f"
      printf "| %s | " fmt " | %s |\n", name, med, all
    }
  }'
