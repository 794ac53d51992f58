#!/usr/bin/env bash
# A restarted --data-dir node is the same node: it keeps its name (and so
# its reward account and transaction ids), hands out transaction ids that
# continue where it stopped (new transactions are accepted, not refused as
# duplicates of ids already in its chain), and keeps its registered peers.
set -euo pipefail
BIN=$1
source "$(dirname "$0")/http_common.sh"
DATA="$WORK/data"

# A peer that stays up the whole time (no data dir of its own).
start_node P --name peer
start_node N --data-dir "$DATA" --name alice
post_json "$N/register_node" "{\"nodes\": [\"$P\"]}" > /dev/null
for i in 1 2 3; do
    post_json "$N/add_transaction" "{\"sender\": \"a\", \"receiver\": \"b\", \"amount\": $i}" > /dev/null
    post_accept "$N/mine" > /dev/null
done
ids_before=$(curl -s "$N/chain" | python3 -c 'import json, sys
print(" ".join(t["id"] for b in json.load(sys.stdin)["chain"] for t in b["transactions"] if "id" in t))')
kill -TERM "$N_PID"
wait "$N_PID" 2>/dev/null || true

# The data dir is alice's: another --name is refused, not a silent rename.
set +e
"$BIN" node 0 --data-dir "$DATA" --name bob > /dev/null 2> "$WORK/bob.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "--name bob on alice's data dir: exit $rc, expected 2"
grep "data dir $DATA belongs to node 'alice'" "$WORK/bob.err" > /dev/null || fail "no reason: $(cat "$WORK/bob.err")"

# Restarted without --name: the stored name is the node's name.
start_node N2 --data-dir "$DATA"
grep "chainsim node alice " "$WORK/N2.out" > /dev/null || fail "the name was not kept: $(cat "$WORK/N2.out")"
[ "$(height "$N2")" = 4 ] || fail "height $(height "$N2") after restart, expected 4"
peers=$(curl -s "$N2/nodes" | jfield nodes)
echo "$peers" | grep "\"$P\"" > /dev/null || fail "peer $P forgotten after restart: $peers"
for i in 4 5; do
    reply=$(post_json "$N2/add_transaction" "{\"sender\": \"a\", \"receiver\": \"b\", \"amount\": $i}")
    echo "$reply" | grep '"transaction"' > /dev/null || fail "transaction $i refused after restart: $reply"
    id=$(echo "$reply" | jfield transaction.id)
    for old in $ids_before; do
        [ "$id" != "$old" ] || fail "restarted node reused transaction id $id"
    done
done
block=$(post_accept "$N2/mine")
[ "$(echo "$block" | jfield block.index)" = 5 ] || fail "mining after restart: $block"
n_tx=$(echo "$block" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["block"]["transactions"]))')
[ "$n_tx" = 3 ] || fail "block 5 holds $n_tx transactions, expected the reward and both new ones"
[ "$(echo "$block" | jfield block.miner)" = alice ] || fail "block 5 not mined by alice"
# The block reached the peer, registered before the restart, by gossip.
wait_for test "$(height "$P")" = 5 || fail "the peer registered before the restart did not get block 5"
echo "1 passed, 0 failed"
