#!/usr/bin/env bash
# bench_http.sh - HTTP throughput and tail latency with wrk (Debian's).
#
#   tests/bench/bench_http.sh [CHAINSIM_BINARY] [SECONDS]
#
# For 3 and for 100 nodes served by one `chainsim --http 0` process: node 0
# gets a 100-block chain, then wrk (2 threads, 64 connections) runs against
# GET /chain and POST /add_transaction (JSON) on node 0. Prints requests per
# second and the p99 latency of each. Loopback only; each run is bounded by
# SECONDS (default 5).
set -euo pipefail
BIN=${1:-build/chainsim}
SECS=${2:-5}
command -v wrk > /dev/null || { echo "bench_http: needs wrk (apt-get install wrk)"; exit 2; }
WORK=$(mktemp -d /tmp/chainsim-bench-XXXXXX)
PID=""
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2> /dev/null; wait 2> /dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"sender": "alice", "receiver": "bob", "amount": 1}'
LUA

run_wrk() { # URL [script] -> "req/s p99"
    local out
    out=$(wrk -t2 -c64 -d"${SECS}s" --latency ${2:+-s "$2"} "$1")
    local rps p99
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    local non2xx
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
    echo "$rps req/s, p99 $p99${non2xx:+, $non2xx non-2xx}"
}

for n in ${BENCH_NODES:-3 100}; do
    python3 - "$n" > "$WORK/scn.json" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"name": f"bench-http-{n}", "nodes": [{"name": f"n{i}"} for i in range(n)],
                  "topology": "none", "mining": "manual", "gossip": False,
                  "chain": {"difficulty": 8, "ledger": "open"}}))
PY
    "$BIN" --headless "$WORK/scn.json" --http 0 --quiet > "$WORK/out" 2> "$WORK/err" &
    PID=$!
    URL=""
    for i in $(seq 1 200); do
        URL=$(grep -m1 -o 'http://[0-9.:]*' "$WORK/out" || true)
        [ -n "$URL" ] && [ "$(grep -c 'http://' "$WORK/out")" -ge "$n" ] && break
        URL=""
        sleep 0.05
    done
    [ -n "$URL" ] || { cat "$WORK/err"; echo "bench_http: chainsim did not start"; exit 1; }
    for i in $(seq 2 100); do
        curl -s -m 30 -X POST -H 'Accept: application/json' "$URL/mine" > /dev/null
    done
    len=$(curl -s "$URL/chain" | python3 -c 'import json,sys; print(json.load(sys.stdin)["length"])')
    echo "== $n nodes serving (node 0 at $URL, chain length $len)"
    echo "GET /chain              $(run_wrk "$URL/chain")"
    echo "POST /add_transaction   $(run_wrk "$URL/add_transaction" "$WORK/post.lua")"
    kill -TERM "$PID"
    wait "$PID" 2> /dev/null || true
    PID=""
done
