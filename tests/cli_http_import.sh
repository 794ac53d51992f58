#!/usr/bin/env bash
# A data dir in the old format (DIR/blocks.jsonl, one block's JSON a line)
# is imported into the database once, and the old file is kept, renamed.
# A log with a damaged line in the middle is not cut there: the node refuses
# to start and changes nothing; with --recover every intact block is
# imported and the damaged log is kept.
set -euo pipefail
BIN=$1
source "$(dirname "$0")/http_common.sh"

# The blocks of a node that mined 5, as the old log held them: each
# block's wire JSON on a line, in order, without the genesis.
start_node SRC --name miner
for i in 1 2 3 4 5; do
    post_json "$SRC/add_transaction" "{\"sender\": \"a\", \"receiver\": \"b\", \"amount\": $i}" > /dev/null
    post_accept "$SRC/mine" > /dev/null
done
curl -s "$SRC/chain" | python3 -c 'import json, sys
for b in json.load(sys.stdin)["chain"][1:]: print(json.dumps(b))' > "$WORK/blocks.jsonl"
kill -TERM "$SRC_PID"
hashes=$(python3 -c 'import json, sys
print(" ".join(json.loads(l)["hash"] for l in open(sys.argv[1])))' "$WORK/blocks.jsonl")

has_blocks() { # has_blocks URL HASH...: every hash is in the node's /chain
    local chain h
    chain=$(curl -s "$1/chain")
    shift
    for h in "$@"; do
        echo "$chain" | grep "\"hash\": \"$h\"" > /dev/null || return 1
    done
}
stored_blocks() { python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from blocks").fetchone()[0])' "$1/node.db"; }

# An intact log: imported once, renamed, and its blocks served.
mkdir "$WORK/a"
cp "$WORK/blocks.jsonl" "$WORK/a/blocks.jsonl"
start_node A --data-dir "$WORK/a" --name miner
[ "$(height "$A")" = 6 ] || fail "imported height $(height "$A"), expected 6"
has_blocks "$A" $hashes || fail "an imported block is missing"
grep "imported 5 blocks from" "$WORK/A.err" > /dev/null || fail "the import was not reported: $(cat "$WORK/A.err")"
[ ! -e "$WORK/a/blocks.jsonl" ] || fail "blocks.jsonl still in place after the import"
cmp "$WORK/blocks.jsonl" "$WORK/a/blocks.jsonl.imported" || fail "the old log was not kept as blocks.jsonl.imported"
post_accept "$A/mine" > /dev/null
kill -TERM "$A_PID"
wait "$A_PID" 2>/dev/null || true
# Once: a restart reads the database, not the old file again.
start_node A2 --data-dir "$WORK/a"
[ "$(height "$A2")" = 7 ] || fail "height $(height "$A2") after the second start, expected 7"
grep "imported" "$WORK/A2.err" > /dev/null && fail "imported a second time: $(cat "$WORK/A2.err")"
[ "$(stored_blocks "$WORK/a")" = 6 ] || fail "$(stored_blocks "$WORK/a") blocks stored, expected 6"
kill -TERM "$A2_PID"
wait "$A2_PID" 2>/dev/null || true

# A flipped byte in the middle of line 2: refused, nothing touched.
mkdir "$WORK/b"
python3 - "$WORK/blocks.jsonl" "$WORK/b/blocks.jsonl" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
line = bytearray(lines[1])
line[len(line) // 2] ^= 0x01
lines[1] = bytes(line)
open(sys.argv[2], "wb").write(b"\n".join(lines))
PY
cp "$WORK/b/blocks.jsonl" "$WORK/damaged.jsonl"
set +e
"$BIN" node 0 --data-dir "$WORK/b" > "$WORK/B.out" 2> "$WORK/B.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "a damaged log: exit $rc, expected 2 ($(cat "$WORK/B.err"))"
grep "blocks.jsonl line 2" "$WORK/B.err" > /dev/null || fail "the message does not locate the damage: $(cat "$WORK/B.err")"
grep -- "--recover" "$WORK/B.err" > /dev/null || fail "the message does not say what to do: $(cat "$WORK/B.err")"
cmp "$WORK/damaged.jsonl" "$WORK/b/blocks.jsonl" || fail "the damaged log was changed"
[ ! -e "$WORK/b/node.db" ] || fail "a database was left behind by a refused import"

# --recover: every intact block (lines 1, 3, 4, 5) is imported, the three
# above the damaged one too (they wait for their parent, which a peer can
# still supply).
start_node B --data-dir "$WORK/b" --name miner --recover
set -- $hashes
stored=$(python3 -c 'import sqlite3, sys
print(" ".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("select hash from blocks order by seq")))' "$WORK/b/node.db")
[ "$stored" = "$1 $3 $4 $5" ] || fail "--recover stored [$stored], expected every block but the second"
[ "$(height "$B")" = 2 ] || fail "height $(height "$B") after --recover, expected 2 (block 3 is damaged)"
cmp "$WORK/damaged.jsonl" "$WORK/b/blocks.jsonl.imported" || fail "the damaged log was not kept"
grep "skipped damaged lines 2$" "$WORK/B.err" > /dev/null || fail "--recover did not report what it skipped: $(cat "$WORK/B.err")"
echo "1 passed, 0 failed"
