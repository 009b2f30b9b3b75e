#!/usr/bin/env bash
# Line and branch coverage of storage/, engine/ and api/ from a --coverage
# build (build-asan: make build-asan, after its ctest run), per directory, for
# the storage + auth code the reliability goal names (>= 85% branches), and in
# total. Uses Debian's gcovr (gcov underneath).
#
# Why it runs from inside the build folder: gcovr runs gcov, and gcov writes its
# *.gcov files into its working directory; from the repo root that littered a
# CI clone with *.gcov files (and a failing gcov run left them there). All
# intermediate files (the *.gcov files, coverage.json) stay in <build>/coverage/.
#
# Branches: gcov counts every compiler-made branch, including the hidden ones
# of exception cleanup paths; --exclude-throw-branches and
# --exclude-unreachable-branches leave the branches of the source as written
# (the usual setting for C++, see gcovr's documentation).
# Usage: scripts/coverage_summary.sh [build-asan]
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-build-asan}" 2>/dev/null && pwd) || { echo "coverage: no build folder ${1:-build-asan}"; exit 0; }
command -v gcovr >/dev/null || { echo "coverage: gcovr not installed (scripts/deps.sh test)"; exit 0; }
if [ -z "$(find "$build" -name '*.gcda' -print -quit)" ]; then
  echo "coverage: no .gcda files in $build (not a --coverage build, or no test ran)"
  exit 0
fi
out=$build/coverage
rm -rf "$out" && mkdir -p "$out"
echo "=== coverage (line and branch, from $build) ==="
# --gcov-ignore-parse-errors: a test killed mid-write (crash rounds) may leave a
# partial .gcda; one unreadable file must not hide all the figures.
if ! (cd "$out" && gcovr --root "$repo" --object-directory "$build" \
        --filter "$repo/storage/" --filter "$repo/engine/" --filter "$repo/api/" \
        --exclude '.*/tests/.*' --exclude '.*/bench/.*' \
        --exclude-throw-branches --exclude-unreachable-branches --gcov-ignore-parse-errors \
        --json "$out/coverage.json" "$build" >"$out/gcovr.log" 2>&1); then
  echo "coverage: gcovr failed (log: $out/gcovr.log):"
  tail -5 "$out/gcovr.log"
  exit 1
fi
python3 - "$out/coverage.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
groups = {
    "storage/": lambda f: f.startswith("storage/"),
    "engine/src/ (domain)": lambda f: f.startswith("engine/src/"),
    "engine/search/": lambda f: f.startswith("engine/search/"),
    "engine/text/": lambda f: f.startswith("engine/text/"),
    "engine/ (all)": lambda f: f.startswith("engine/"),
    "api/": lambda f: f.startswith("api/"),
    # The reliability goal (docs/reliability.md): >= 85% branches on these.
    "auth (passwords, users, sessions)": lambda f: f in (
        "engine/src/passwords.cpp", "engine/src/users.cpp", "api/src/services.cpp",
        "api/src/users_routes.cpp", "api/src/dispatcher.cpp"),
    "total": lambda f: True,
}
sums = {g: [0, 0, 0, 0] for g in groups}  # lines hit, lines, branches taken, branches
for fobj in data["files"]:
    name = fobj["file"]
    lh = lt = bh = bt = 0
    for line in fobj["lines"]:
        if line.get("gcovr/noncode"):
            continue
        lt += 1
        lh += line["count"] > 0
        for b in line.get("branches", []):
            bt += 1
            bh += b["count"] > 0
    for g, match in groups.items():
        if match(name):
            s = sums[g]
            s[0] += lh; s[1] += lt; s[2] += bh; s[3] += bt
pct = lambda a, b: f"{100.0 * a / b:5.1f}%" if b else "   n/a"
print(f"{'':36} {'lines':>22} {'branches':>22}")
for g, (lh, lt, bh, bt) in sums.items():
    print(f"{g:36} {pct(lh, lt)} {lh:>7}/{lt:<7} {pct(bh, bt)} {bh:>7}/{bt:<7}")
PY
