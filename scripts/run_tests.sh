#!/usr/bin/env bash
# Runs every suite: the Release build's ctest, then the sanitizer build's ctest
# (ASan + UBSan), then the fuzz build's (corpus replay + fuzzing), then, with
# CHIRP_LONG=1, the threaded tests of the ThreadSanitizer build. Prints one
# summary per build, the fuzzing figures, line and branch coverage, and a
# total that CI reads:  "N passed, N failed".
# CHIRP_LONG=1 also runs the long suites (crash rounds, 10 min fuzzing per target, soak).
# Usage: scripts/run_tests.sh [release] [asan] [fuzz] [tsan]   (a missing folder is skipped)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
release=${1:-build}
sanitized=${2:-build-asan}
fuzz=${3:-}
tsan=${4:-}
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

# libFuzzer harnesses (tests/fuzz): replay of the committed corpora, then
# 15 s of fuzzing per target (600 s with CHIRP_LONG=1).
if [ -n "$fuzz" ] && [ -d "$fuzz" ]; then
  run_ctest "$fuzz" "fuzz (libFuzzer + ASan + UBSan)" -L fuzz
  "$repo/scripts/fuzz_summary.sh" "$fuzz"
fi

# ThreadSanitizer: the threaded tests (engine writer and search feeder, search
# index threads, crash rounds, the HTTP server and chirpd), long target only.
# tests/tsan.supp silences Pistache internals (and one ICU once-init, see there).
if [ "${CHIRP_LONG:-0}" = 1 ] && [ -n "$tsan" ] && [ -d "$tsan" ]; then
  export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$repo/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1:history_size=4}
  # Left out: the 200 crash rounds (the 20 run).
  run_ctest "$tsan" "tsan" -LE "no-sanitizer" -E "200 rounds|_NOT_BUILT" \
    -R '^(engine:|search:|freshness:|resume:|corruption:|reset:|concurrency:|ingest:|crash:|api\.(http|chirpd|async_post)\.)'
fi

# Line and branch coverage of storage/, engine/ and api/ from the sanitizer
# build (informational). Intermediate files stay in that build folder.
"$repo/scripts/coverage_summary.sh" "$sanitized" || true

echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
