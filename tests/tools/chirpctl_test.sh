#!/usr/bin/env bash
# Drives the real chirpctl binary over a temporary data folder and checks what
# each command reports and leaves behind.
set -euo pipefail
ctl=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/chirpctl-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }
stat_of() { "$ctl" --data-dir "$1" stats | awk -F': ' -v k="$2" '$1==k {print $2}'; }

cat > "$work/in.jsonl" <<'JSONL'
{"user":"alice","text":"hello #world from alice","ts":1700000000}
{"user":"bob","text":"granite and basalt","ts":1700000100}
{"user":"alice","text":"second tweet by alice","ts":1700000200}
not json at all
{"user":"admin","text":"reserved names are rejected","ts":1700000300}
{"user":"carol","text":"   ","ts":1700000400}
{"user":"carol","text":"missing ts"}
JSONL

out=$("$ctl" --data-dir "$work/data" import "$work/in.jsonl" 2>"$work/err")
echo "$out" | grep -qx "tweets: 3" || fail "import count: $out"
echo "$out" | grep -qx "users_created: 2" || fail "users created: $out"
echo "$out" | grep -qx "rejected: 2" || fail "rejected: $out"
echo "$out" | grep -qx "bad_lines: 2" || fail "bad lines: $out"
grep -q "in.jsonl:4" "$work/err" || fail "bad line not reported with its number"

[ "$(stat_of "$work/data" users)" = 2 ] || fail "stats users"
[ "$(stat_of "$work/data" tweets)" = 3 ] || fail "stats tweets"
[ "$(stat_of "$work/data" index_docs)" = 3 ] || fail "import returned before the tweets were searchable"
[ "$(stat_of "$work/data" change_seq)" = 5 ] || fail "change_seq (2 users + 3 tweets)"

"$ctl" --data-dir "$work/data" export "$work/out.jsonl" | grep -qx "exported: 3" || fail "export"
head -1 "$work/out.jsonl" | grep -q '"user":"alice","text":"hello #world from alice","ts":1700000000' \
  || fail "export format: $(head -1 "$work/out.jsonl")"

"$ctl" --data-dir "$work/data" backup "$work/backup" >/dev/null || fail "backup"
"$ctl" --data-dir "$work/data" backup "$work/backup" 2>/dev/null && fail "backup into a non-empty folder"
"$ctl" --data-dir "$work/restored" restore "$work/backup" | grep -q "3 tweets" || fail "restore"
"$ctl" --data-dir "$work/restored" restore "$work/backup" 2>/dev/null && fail "restore over data"
[ "$(stat_of "$work/restored" tweets)" = 3 ] || fail "restored tweets"

"$ctl" --data-dir "$work/restored" reindex | grep -qx "index_docs: 3" || fail "reindex"
"$ctl" --data-dir "$work/data" compact | grep -q "compacted" || fail "compact"
[ "$(stat_of "$work/data" tweets)" = 3 ] || fail "tweets after compact"

"$ctl" --data-dir "$work/data" frobnicate 2>/dev/null && fail "unknown command accepted"
echo "chirpctl test: all checks passed"
