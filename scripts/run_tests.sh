#!/usr/bin/env bash
# Runs every suite: the Release build's ctest, then the sanitizer build's ctest
# (ASan + UBSan). Prints one summary line per build and a total that CI reads:
#   "N passed, N failed".
# CHIRP_LONG=1 also runs the long suites (crash rounds, fuzzing, soak).
set -uo pipefail
release=${1:-build}
sanitized=${2:-build-asan}
jobs=$(nproc)
export CHIRP_CONFORMANCE_DIR=${CHIRP_CONFORMANCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)/../shared/conformance}
# ASan: fail on the first error, report leaks; UBSan: stop on the first error.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

total_pass=0
total_fail=0
run_ctest() {
  local dir=$1 label=$2; shift 2
  local log
  log=$(mktemp)
  echo "=== $label ($dir) ==="
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 900 "$@") 2>&1 | tee "$log"
  # ctest's summary: "100% tests passed, 0 tests failed out of 42"
  local line failed all
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "$label: no ctest summary (build or ctest failure)"
    total_fail=$((total_fail + 1))
  else
    failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
    all=$(echo "$line" | sed -E 's/.* failed out of ([0-9]+).*/\1/')
    total_pass=$((total_pass + all - failed))
    total_fail=$((total_fail + failed))
  fi
  rm -f "$log"
}

if [ "${CHIRP_LONG:-0}" = 1 ]; then
  run_ctest "$release" "release"
  run_ctest "$sanitized" "asan+ubsan" -LE "no-sanitizer"
else
  run_ctest "$release" "release" -LE "long"
  run_ctest "$sanitized" "asan+ubsan" -LE "long|no-sanitizer"
fi

# Line coverage of our own sources, from the sanitizer build (informational).
if command -v gcovr >/dev/null 2>&1; then
  echo "=== coverage (asan+ubsan build) ==="
  gcovr --root . --filter 'storage/' --filter 'engine/' --filter 'api/' --filter 'apps/' \
        --exclude '.*_test\.cpp' --print-summary "$sanitized" 2>/dev/null | tail -3 || true
fi

echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
