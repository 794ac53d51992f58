#!/usr/bin/env bash
# A damaged DIR/node.db is never silently cut or rewritten: the node
# refuses to start (exit 2) with a message that says what to do and leaves
# the file as it was; with --recover it moves the file aside, keeps it, and
# starts with every row that still reads and checks out. A data dir is
# used by one process at a time.
set -euo pipefail
BIN=$1
source "$(dirname "$0")/http_common.sh"
DATA="$WORK/data"

# A node with a name, a peer and six mined blocks, stopped cleanly.
start_node N --name miner --data-dir "$DATA"
PEER=http://127.0.0.1:9
post_json "$N/register_node" "{\"node\": \"$PEER\"}" > /dev/null
for i in 1 2 3 4 5 6; do post_accept "$N/mine" > /dev/null; done
hashes=$(curl -s "$N/chain" | python3 -c 'import json, sys
print(" ".join(b["hash"] for b in json.load(sys.stdin)["chain"][1:]))')
kill -TERM "$N_PID"
wait "$N_PID" 2>/dev/null || true
[ ! -e "$DATA/node.db-wal" ] || fail "a clean stop left its WAL: $(ls "$DATA")"
cp "$DATA/node.db" "$WORK/pristine.db"

# refused TAG: starts on the damaged $DATA, expects exit 2 and the message,
# and the file unchanged.
refused() {
    cp "$DATA/node.db" "$WORK/$1.damaged"
    set +e
    "$BIN" node 0 --data-dir "$DATA" > "$WORK/$1.out" 2> "$WORK/$1.err"
    local rc=$?
    set -e
    [ "$rc" = 2 ] || fail "$1: exit $rc on a damaged data dir, expected 2 ($(cat "$WORK/$1.err"))"
    grep "node.db is damaged: $2" "$WORK/$1.err" > /dev/null || fail "$1: no 'damaged: $2' in: $(cat "$WORK/$1.err")"
    grep "Nothing was changed.*--recover" "$WORK/$1.err" > /dev/null || fail "$1: the message does not say what to do"
    cmp "$DATA/node.db" "$WORK/$1.damaged" || fail "$1: the damaged file was changed by a refused start"
    [ -z "$(ls "$DATA" | grep damaged- || true)" ] || fail "$1: a refused start moved the file"
}
# recovered TAG HEIGHT STORED [NAME]: starts with --recover, expects the
# damaged file kept byte for byte, the chain up to HEIGHT, STORED blocks
# stored, and (if given) the node's name and peer kept.
recovered() {
    start_node R --data-dir "$DATA" --recover
    local aside
    aside=$(ls "$DATA" | grep '^node.db.damaged-' | head -1)
    [ -n "$aside" ] || fail "$1: --recover did not keep the damaged file: $(ls "$DATA")"
    cmp "$DATA/$aside" "$WORK/$1.damaged" || fail "$1: the kept file differs from the damaged one"
    grep "was damaged.*moved it to $DATA/$aside and recovered" "$WORK/R.err" > /dev/null ||
        fail "$1: --recover did not say what it did: $(cat "$WORK/R.err")"
    [ "$(height "$R")" = "$2" ] || fail "$1: height $(height "$R") after --recover, expected $2"
    local n
    n=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from blocks").fetchone()[0])' "$DATA/node.db")
    [ "$n" = "$3" ] || fail "$1: $n blocks stored after --recover, expected $3"
    kill -TERM "$R_PID"
    wait "$R_PID" 2>/dev/null || true
    # The new file is sound: a plain start takes it.
    start_node R2 --data-dir "$DATA"
    [ "$(height "$R2")" = "$2" ] || fail "$1: height $(height "$R2") on the next start"
    if [ -n "${4:-}" ]; then
        grep "chainsim node $4 " "$WORK/R2.out" > /dev/null || fail "$1: the name was lost: $(cat "$WORK/R2.out")"
        curl -s "$R2/nodes" | grep "\"$PEER\"" > /dev/null || fail "$1: the peer was lost: $(curl -s "$R2/nodes")"
    fi
    kill -TERM "$R2_PID"
    wait "$R2_PID" 2>/dev/null || true
}
reset_data() {
    rm -f "$DATA"/node.db*
    cp "$WORK/pristine.db" "$DATA/node.db"
}

# 1. The end of the file overwritten (a torn last page): SQLite's
# quick_check finds it. --recover keeps the readable blocks, name and peer.
size=$(stat -c %s "$DATA/node.db")
python3 -c 'import os, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]) - 4096); f.write(bytes(range(256)) * 16)' "$DATA/node.db" "$size"
refused end "PRAGMA quick_check\|not a readable"
start_node R0 --data-dir "$DATA" --recover --name miner
kill -TERM "$R0_PID"
wait "$R0_PID" 2>/dev/null || true
[ -n "$(ls "$DATA" | grep '^node.db.damaged-')" ] || fail "end: the damaged file was not kept"
cmp "$DATA/$(ls "$DATA" | grep '^node.db.damaged-' | head -1)" "$WORK/end.damaged" || fail "end: the kept file differs"
grep "recovered [0-9]* blocks" "$WORK/R0.err" > /dev/null || fail "end: --recover did not report: $(cat "$WORK/R0.err")"

# 2. One flipped byte in the middle, inside block 4's bytes (its
# previous_hash): the file's structure is sound, so quick_check passes; the
# row's hash does not. --recover keeps the 5 other blocks: blocks 5..7 wait
# for their parent, so the chain is 3 high.
reset_data
set -- $hashes
python3 -c 'import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(("\"previous_hash\": \"%s\"" % sys.argv[2]).encode())
assert at > 0, "block 4 not found in the file"
data[at + 30] ^= 0x01
open(sys.argv[1], "wb").write(data)' "$DATA/node.db" "$2"
refused middle "block row 3 does not match its hash"
recovered middle 3 5 miner

# 3. The file cut short mid-page (a lost write at the end). The last of its
# six pages holds the settings (the name): they are lost, and --recover says
# so; the six blocks on the earlier pages are all kept.
reset_data
[ "$(stat -c %s "$DATA/node.db")" = $((6 * 4096)) ] || fail "the test's file is not six pages"
truncate -s -1000 "$DATA/node.db"
refused truncated "PRAGMA quick_check"
recovered truncated 7 6
grep "recovered 6 blocks, 1 peers and 0 settings.*the node's name was lost" "$WORK/R.err" > /dev/null ||
    fail "truncated: --recover did not report the lost name: $(cat "$WORK/R.err")"

# Two processes on one data dir: the second is refused, the first unaffected.
start_node K --data-dir "$DATA"
set +e
"$BIN" node 0 --data-dir "$DATA" > "$WORK/second.out" 2> "$WORK/second.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "a second process on the data dir: exit $rc, expected 2"
want="chainsim: data dir $DATA is in use by another chainsim (pid $K_PID)"
[ "$(cat "$WORK/second.err")" = "$want" ] || fail "second process said '$(cat "$WORK/second.err")', expected '$want'"
h=$(height "$K")
post_accept "$K/mine" > /dev/null
[ "$(height "$K")" = $((h + 1)) ] || fail "the first process stopped working after the refused second one"
kill -9 "$K_PID"
wait "$K_PID" 2>/dev/null || true
# The lock dies with its holder, even on kill -9.
start_node L --data-dir "$DATA"
[ "$(height "$L")" = $((h + 1)) ] || fail "restart after the holder was killed: height $(height "$L")"
echo "1 passed, 0 failed"
