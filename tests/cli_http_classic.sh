#!/usr/bin/env bash
# Interop with a classic Python node (tests/classic/node.py, Flask):
#   1. the classic node registers a chainsim node and adopts its chain
#      through its own /consensus (it validates our hashes and proofs);
#   2. chainsim adopts a longer valid classic chain (classic blocks, string
#      amounts from forms) through its /consensus;
#   3. both keep agreeing as they take turns, and chainsim's relays to the
#      classic node (which has no /relay endpoints) cost only log lines.
set -euo pipefail
# Pipelines end in `grep PATTERN > /dev/null`, not `grep -q`: grep -q stops
# reading at the first match, the writer then dies of SIGPIPE, and pipefail
# turns that into a failure.
BIN=$1
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/http_common.sh"

PY=""
for p in /usr/bin/python3 python3; do
    if command -v "$p" > /dev/null && "$p" -c 'import flask' 2> /dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || fail "no python3 with Flask (Debian: apt-get install python3-flask; see .ci/install-deps)"

"$PY" "$HERE/classic/node.py" 0 > "$WORK/classic.out" 2> "$WORK/classic.err" &
PIDS+=($!)
K=""
for i in $(seq 1 100); do
    K=$(grep -o 'http://[0-9.:]*' "$WORK/classic.out" | head -1 || true)
    [ -n "$K" ] && curl -s -m 2 "$K/chain" > /dev/null && break
    K=""
    sleep 0.1
done
[ -n "$K" ] || { cat "$WORK/classic.err"; fail "the classic node did not start"; }
start_node C --name chainsim

same_genesis=$(curl -s "$K/chain" | jfield chain.0.hash)
[ "$same_genesis" = "$(curl -s "$C/chain" | jfield chain.0.hash)" ] || fail "different genesis"

# 1. chainsim mines 3 blocks; the classic node adopts them.
post_json "$C/add_transaction" '{"sender": "alice", "receiver": "bob", "amount": 5}' > /dev/null
for i in 1 2 3; do post_accept "$C/mine" > /dev/null; done
curl -s -m 10 -X POST -d "node=$C" "$K/register_node" -o /dev/null -w '%{http_code}' | grep 302 > /dev/null \
    || fail "classic register"
r=$(curl -s -m 30 -X POST -H 'Accept: application/json' "$K/consensus")
[ "$(echo "$r" | jfield replaced)" = true ] || fail "the classic node did not adopt chainsim's chain: $r"
[ "$(curl -s "$K/chain" | jfield length)" = 4 ] || fail "classic length"
[ "$(curl -s "$K/chain" | jfield chain.3.hash)" = "$(tip "$C")" ] || fail "classic tip differs"

# 2. The classic node takes a form transaction (amount as text) and mines
#    twice; chainsim adopts the longer classic chain.
curl -s -m 10 -X POST -d 'sender=bob&receiver=carol&amount=2' "$K/add_transaction" -o /dev/null
curl -s -m 60 -X POST "$K/mine" -o /dev/null
curl -s -m 60 -X POST "$K/mine" -o /dev/null
post_json "$C/register_node" "{\"node\": \"$K\"}" | grep "$K" > /dev/null || fail "chainsim register"
r=$(post_json "$C/consensus" '{}')
[ "$(echo "$r" | jfield replaced)" = true ] || fail "chainsim did not adopt the classic chain: $r"
[ "$(height "$C")" = 6 ] || fail "chainsim height $(height "$C")"
[ "$(tip "$C")" = "$(curl -s "$K/chain" | jfield chain.5.hash)" ] || fail "tips differ"
curl -s "$C/chain" | jfield chain.4.transactions.0.amount | grep -x 2 > /dev/null || fail "the classic amount"
curl -s "$C/" | grep 'carol' > /dev/null || fail "the page does not show the classic transaction"

# 3. chainsim extends it (its relay to the classic node gets a 404: logged);
#    the classic node adopts again.
post_accept "$C/mine" > /dev/null
r=$(curl -s -m 30 -X POST -H 'Accept: application/json' "$K/consensus")
[ "$(echo "$r" | jfield replaced)" = true ] || fail "the classic node did not adopt block 7"
[ "$(curl -s "$K/chain" | jfield chain.6.hash)" = "$(tip "$C")" ] || fail "final tips differ"
kill -0 "$C_PID" || fail "chainsim died"
echo "1 passed, 0 failed"
