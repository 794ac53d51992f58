#!/usr/bin/env bash
# Three `chainsim node` processes on loopback form a network and converge:
# blocks and transactions relay over HTTP (POST /relay/...), a node that
# misses ancestors pulls them (/chain), and all three end on one tip.
set -euo pipefail
# Pipelines end in `grep PATTERN > /dev/null`, not `grep -q`: grep -q stops
# reading at the first match, the writer then dies of SIGPIPE, and pipefail
# turns that into a failure.
BIN=$1
source "$(dirname "$0")/http_common.sh"

start_node A --name alice
start_node B --name bob --peers "$A"
start_node C --name carol --peers "$A,$B"
post_json "$A/register_node" "{\"nodes\": [\"$B\", \"$C\"]}" > /dev/null
curl -s -m 10 -X POST -d "node=$C" "$B/register_node" -o /dev/null -w '%{http_code}' | grep 302 > /dev/null \
    || fail "form register did not redirect"

# Blocks from A, then B, then C; a transaction from C mined by A.
for i in 1 2 3; do post_accept "$A/mine" > /dev/null; done
wait_for test "$(height "$B")" = 4 || fail "B did not follow A (height $(height "$B"))"
post_accept "$B/mine" > /dev/null
post_json "$C/add_transaction" '{"sender": "carol", "receiver": "alice", "amount": 7}' | grep '"transaction"' > /dev/null \
    || fail "C refused a transaction"
wait_for test "$(curl -s "$A/mempool" | jfield size)" = 1 || fail "the transaction did not reach A"
post_accept "$C/mine" > /dev/null
post_accept "$A/mine" > /dev/null

converged() { [ "$(tip "$A")" = "$(tip "$B")" ] && [ "$(tip "$B")" = "$(tip "$C")" ]; }
wait_for converged || fail "no convergence: $(tip "$A") $(tip "$B") $(tip "$C")"
[ "$(height "$A")" = 7 ] || fail "height $(height "$A"), expected 7"
# Open ledger: rewards of 50 to each block's miner; carol paid alice 7.
[ "$(curl -s "$B/balances" | jfield balances.alice)" = 207 ] || fail "alice's balance at B"
[ "$(curl -s "$C/balances" | jfield balances.carol)" = 43 ] || fail "carol's balance at C"
for n in "$A" "$B" "$C"; do
    [ "$(curl -s "$n/mempool" | jfield size)" = 0 ] || fail "$n kept a mined transaction"
done

# A node that joins late catches up on start (--peers resolves once).
start_node D --name dave --peers "$C"
wait_for test "$(tip "$D")" = "$(tip "$A")" || fail "D did not catch up"
echo "1 passed, 0 failed"
