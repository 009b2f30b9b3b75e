#!/usr/bin/env bash
# Line and branch coverage of storage/, engine/ and api/ from a --coverage
# build (make test: build-asan, after its ctest run), per directory, for the
# storage and auth code the reliability goal names (>= 85% branches), and in
# total. Usage: scripts/coverage_summary.sh [build-asan]
#
# Tool: Debian's gcov (GCC 12) in its JSON mode (gcov --json-format --stdout),
# read by scripts/coverage_summary.py. Two problems of the earlier
# `gcovr ... 2>/dev/null` line, which printed nothing on a CI clone:
# - gcovr runs gcov in its working directory (the repo root), where gcov
#   writes its *.gcov files; a failing run left them behind. gcov --stdout
#   writes no file at all, and this script runs it inside <build>/coverage/.
# - gcovr 5.2 loses gcov's "(throw)" mark on template lines whose first
#   instantiation never ran, so exception edges counted as untaken branches.
#   gcov's JSON marks every branch's throw flag; exception edges are left out
#   (the usual setting for C++ branch coverage).
# Branches on lines without code (a lone "}" or "});": the compiler's cleanup
# of temporaries, run only while an exception unwinds, not marked "throw" by
# gcov) are left out too, as gcovr's --exclude-unreachable-branches does; the
# summary prints how many.
# In the ASan + UBSan build, UBSan's checks are branches too (their failing
# arm is never taken), so its branch figures are lower than a plain
# --coverage build's; docs/reliability.md gives both.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-build-asan}" 2>/dev/null && pwd) || { echo "coverage: no build folder ${1:-build-asan}"; exit 0; }
command -v gcov >/dev/null || { echo "coverage: gcov not installed"; exit 0; }
if [ -z "$(find "$build" -name '*.gcda' -print -quit)" ]; then
  echo "coverage: no .gcda files in $build (not a --coverage build, or no test ran)"
  exit 0
fi
out=$build/coverage
rm -rf "$out" && mkdir -p "$out"
echo "=== coverage (line and branch, from $build) ==="
cd "$out" && python3 "$repo/scripts/coverage_summary.py" "$repo" "$build"
