#!/usr/bin/env bash
# One ctest entry of the fuzz suite (see CMakeLists.txt).
#   run_fuzz.sh replay <binary> <target> <tests/fuzz dir> <work dir>
#     runs every committed input of corpus/<target>/ once (regressions included)
#   run_fuzz.sh fuzz   <binary> <target> <tests/fuzz dir> <work dir>
#     fuzzes for CHIRP_FUZZ_SECONDS (default 15; 600 when CHIRP_LONG=1), starting
#     from the committed corpus; new inputs go to <work dir>/<target>/corpus and
#     crash inputs to <work dir>/<target>/ (never into the repository).
# Exit status: libFuzzer's (non-zero on a crash, leak, sanitizer report, timeout
# or out-of-memory). The last line is "fuzz <target>: <runs> runs, <n> findings"
# and the same figures go to <work dir>/<target>/stats for the test summary.
set -uo pipefail
mode=$1 bin=$2 target=$3 src=$4 work=$5
seeds=$src/corpus/$target
dict=$src/dict/$target.dict
out=$work/$target
mkdir -p "$out/corpus"

# UBSan: every report is fatal; ASan: leaks count as findings.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}:suppressions=$src/ubsan.supp

args=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/")
case $target in
  json_body) args+=(-max_len=16384) ;;    # the server's body cap (16 KiB)
  request_head) args+=(-max_len=9216) ;;  # request line + headers cap, with room
  *) args+=(-max_len=4096) ;;
esac
[ -f "$dict" ] && args+=(-dict="$dict")

log=$out/$mode.log
marker=$out/.started-$mode
touch "$marker"
case $mode in
  replay)
    "$bin" "${args[@]}" -runs=0 "$seeds" >"$log" 2>&1
    rc=$?
    ;;
  fuzz)
    if [ -n "${CHIRP_FUZZ_SECONDS:-}" ]; then secs=$CHIRP_FUZZ_SECONDS
    elif [ "${CHIRP_LONG:-0}" = 1 ]; then secs=600
    else secs=15; fi
    # -seed: a fixed seed per target would repeat the same walk every run;
    # the seed is printed ("Seed: N") so a finding can be replayed.
    "$bin" "${args[@]}" -max_total_time="$secs" "$out/corpus" "$seeds" >"$log" 2>&1
    rc=$?
    ;;
  *) echo "usage: $0 replay|fuzz <binary> <target> <src dir> <work dir>" >&2; exit 2 ;;
esac

runs=$(grep -E '^stat::number_of_executed_units:' "$log" | tail -1 | awk '{print $2}')
findings=$(find "$out" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
             -o -name 'oom-*' \) -newer "$marker" 2>/dev/null | wc -l)
[ "$rc" -ne 0 ] && [ "$findings" -eq 0 ] && findings=1
echo "$mode runs=${runs:-0} findings=$findings rc=$rc" >"$out/$mode.stats"
if [ "$rc" -ne 0 ]; then
  tail -60 "$log"
  echo "fuzz $target: FAILED (rc $rc); inputs in $out/ — fix, then add the input to $seeds/ as a regression"
fi
echo "fuzz $target ($mode): ${runs:-0} runs, $findings findings"
exit "$rc"
