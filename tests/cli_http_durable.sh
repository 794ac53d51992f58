#!/usr/bin/env bash
# Durability: a --data-dir node is killed with SIGKILL while a client mines
# as fast as it can, 20 times over. After every restart each block it ever
# acknowledged (a 201 from POST /mine) is in its chain, and it goes on
# accepting transactions (its transaction ids do not restart).
set -euo pipefail
# Pipelines end in `grep PATTERN > /dev/null`, not `grep -q`: grep -q stops
# reading at the first match, the writer then dies of SIGPIPE, and pipefail
# turns that into a failure.
BIN=$1
source "$(dirname "$0")/http_common.sh"
DATA="$WORK/data"
ROUNDS=20
touch "$WORK/acked" "$WORK/refused"

# check_all URL ROUND: every acknowledged hash is in the node's chain.
check_all() {
    local missing
    missing=$(curl -s -m 30 "$1/chain" | python3 -c 'import json, sys
chain = {b["hash"] for b in json.load(sys.stdin)["chain"]}
print(" ".join(h for h in open(sys.argv[1]).read().split() if h not in chain))' "$WORK/acked")
    [ -z "$missing" ] || fail "round $2: acknowledged blocks missing after kill -9: $missing"
}

# client URL: adds a transaction and mines, as fast as it can, until the
# node goes away; appends each acknowledged block's hash to acked (after
# the 201, flushed at once) and each refused transaction to refused.
client() {
    python3 - "$1" "$WORK/acked" "$WORK/refused" <<'PY'
import json, sys, urllib.request
url, acked, refused = sys.argv[1:]
def post(path, body, ctype):
    req = urllib.request.Request(url + path, data=body.encode(), method="POST",
                                 headers={"Content-Type": ctype, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
try:
    for i in range(1, 201):
        status, out = post("/add_transaction", json.dumps({"sender": "a", "receiver": "b", "amount": i}),
                           "application/json")
        if status != 201:
            open(refused, "a").write(out + "\n")
        status, out = post("/mine", "", "application/x-www-form-urlencoded")
        if status == 201:
            with open(acked, "a") as f:
                f.write(json.loads(out)["block"]["hash"] + "\n")
except (OSError, ValueError):
    pass  # the node was killed mid-request
PY
}

for round in $(seq 1 $ROUNDS); do
    start_node N --name miner --data-dir "$DATA"
    [ "$round" = 1 ] || check_all "$N" "$round"
    before=$(wc -l < "$WORK/acked")
    client "$N" &
    CLIENT=$!
    PIDS+=($CLIENT)
    # Kill after 1 or 2 more acknowledged blocks: the client has the next
    # request under way, so the kill lands inside a request more often than
    # not. (Bounded at 30 s: a loaded machine mines slowly.)
    want=$((before + 1 + round % 2))
    for i in $(seq 1 1500); do
        [ "$(wc -l < "$WORK/acked")" -ge "$want" ] && break
        sleep 0.02
    done
    kill -9 "$N_PID"
    wait "$CLIENT" 2>/dev/null || true
    wait "$N_PID" 2>/dev/null || true
done
n_acked=$(wc -l < "$WORK/acked")
[ "$n_acked" -ge "$ROUNDS" ] || fail "only $n_acked blocks acknowledged in $ROUNDS rounds"
[ ! -s "$WORK/refused" ] || fail "transactions refused after a restart: $(sort -u "$WORK/refused" | head -3)"

start_node N --name miner --data-dir "$DATA"
check_all "$N" final
h=$(height "$N")
[ "$h" -ge $((n_acked + 1)) ] || fail "height $h < acknowledged $n_acked + genesis"
kill -TERM "$N_PID"
wait "$N_PID" 2>/dev/null || true

# A write that fails (here a file size limit, as a full disk would) stops
# the node before it acknowledges the block: every block it acknowledged is
# there on the next start, and it said why it stopped.
FULL="$WORK/full"
(ulimit -f 64; exec "$BIN" node 0 --data-dir "$FULL" > "$WORK/F.out" 2> "$WORK/F.err") &
F_PID=$!
PIDS+=($F_PID)
for i in $(seq 1 200); do grep 'http://' "$WORK/F.out" > /dev/null 2>&1 && break; sleep 0.05; done
F=$(grep -o 'http://[0-9.:]*' "$WORK/F.out" | head -1)
[ -n "$F" ] || fail "the node under a file size limit did not start: $(cat "$WORK/F.err")"
: > "$WORK/acked"
for i in $(seq 1 100); do
    out=$(curl -s -m 30 -X POST -H 'Accept: application/json' "$F/mine") || break
    echo "$out" | grep '"New Block Forged"' > /dev/null || break
    echo "$out" | grep -o '"hash": "[0-9a-f]*"' | head -1 | cut -d'"' -f4 >> "$WORK/acked"
done
gone() { ! kill -0 "$F_PID" 2> /dev/null; }
if ! wait_for gone; then
    kill -9 "$F_PID"
    fail "the node under a file size limit is still running after $i blocks: $(cat "$WORK/F.err")"
fi
set +e
wait "$F_PID"
rc=$?
set -e
[ "$rc" = 1 ] || fail "the node whose write failed exited $rc, expected 1 ($(cat "$WORK/F.err"))"
grep "cannot store block .*stopping now so that nothing unsaved is acknowledged" "$WORK/F.err" > /dev/null ||
    fail "no reason given for the stop: $(cat "$WORK/F.err")"
[ -s "$WORK/acked" ] || fail "no block was acknowledged before the write failed"
start_node F2 --data-dir "$FULL"
check_all "$F2" "after the failed write"
[ "$(height "$F2")" = $(($(wc -l < "$WORK/acked") + 1)) ] ||
    fail "height $(height "$F2") after the failed write, expected the $(wc -l < "$WORK/acked") acknowledged blocks"
echo "1 passed, 0 failed ($n_acked acknowledged blocks survived $ROUNDS kill -9 rounds)"
