#!/usr/bin/env bash
# Durability: a --data-dir node killed with SIGKILL while it mines restarts
# with every block it acknowledged (a 201 from POST /mine), and ignores a
# torn tail in its log.
set -euo pipefail
# Pipelines end in `grep PATTERN > /dev/null`, not `grep -q`: grep -q stops
# reading at the first match, the writer then dies of SIGPIPE, and pipefail
# turns that into a failure.
BIN=$1
source "$(dirname "$0")/http_common.sh"
DATA="$WORK/data"

start_node N --name miner --data-dir "$DATA"
# A client mining as fast as it can; every acknowledged block's hash is kept.
(
    for i in $(seq 1 2000); do
        curl -s -m 5 -X POST -H 'Content-Type: application/json' \
            -d "{\"sender\": \"a\", \"receiver\": \"b\", \"amount\": $i}" "$N/add_transaction" > /dev/null || exit 0
        out=$(curl -s -m 5 -X POST -H 'Accept: application/json' "$N/mine") || exit 0
        echo "$out" | grep -o '"hash": "[0-9a-f]*"' | head -1 | cut -d'"' -f4 >> "$WORK/acked"
    done
) &
CLIENT=$!
PIDS+=($CLIENT)
for i in $(seq 1 100); do
    [ -s "$WORK/acked" ] && [ "$(wc -l < "$WORK/acked")" -ge 15 ] && break
    sleep 0.05
done
kill -9 "$N_PID"
wait "$CLIENT" 2>/dev/null || true
n_acked=$(wc -l < "$WORK/acked")
[ "$n_acked" -ge 1 ] || fail "no block was acknowledged"

check_all() {
    local chain
    chain=$(curl -s "$1/chain")
    while read -r h; do
        [ -z "$h" ] && continue
        echo "$chain" | grep "\"hash\": \"$h\"" > /dev/null || fail "acknowledged block $h is missing after the restart"
    done < "$WORK/acked"
}

start_node N2 --name miner --data-dir "$DATA"
check_all "$N2"
h1=$(height "$N2")
[ "$h1" -ge $((n_acked + 1)) ] || fail "height $h1 < acknowledged $n_acked + genesis"

# A torn write at the end of the log: ignored, cut off, the rest kept.
kill -TERM "$N2_PID"
wait "$N2_PID" 2>/dev/null || true
printf '{"hash": "0000ab' >> "$DATA/blocks.jsonl"
start_node N3 --name miner --data-dir "$DATA"
grep -q "torn tail" "$WORK/N3.err" || fail "the torn tail was not reported"
check_all "$N3"
[ "$(height "$N3")" = "$h1" ] || fail "height changed across a clean restart"
post_accept "$N3/mine" > /dev/null
[ "$(height "$N3")" = $((h1 + 1)) ] || fail "cannot mine after recovery"
echo "1 passed, 0 failed ($n_acked acknowledged blocks survived kill -9)"
