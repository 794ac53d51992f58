#!/usr/bin/env bash
# bench_http_slow.sh - GET /chain for well-behaved clients while slow ones
# hold connections (issue 9, item 5).
#
#   tests/bench/bench_http_slow.sh [CHAINSIM_BINARY] [SECONDS] [SLOW_CLIENTS]
#
# One `chainsim node 0` with a 20-block chain. SLOW_CLIENTS (default 2,000)
# connections from 127.0.0.10 upwards (50 per address) each send a request
# line and then one header line every 5 s, reconnecting when the node cuts
# them; meanwhile wrk (2 threads, 32 connections, from 127.0.0.1) runs GET
# /chain for SECONDS (default 10). Prints wrk's requests/s, p99 and errors,
# and what happened to the slow clients. Loopback only, bounded in time.
set -euo pipefail
BIN=${1:-build/chainsim}
SECS=${2:-10}
SLOW=${3:-2000}
command -v wrk > /dev/null || { echo "bench_http_slow: needs wrk (apt-get install wrk)"; exit 2; }
WORK=$(mktemp -d /tmp/chainsim-bench-XXXXXX)
PID="" SLOW_PID=""
cleanup() {
    [ -n "$SLOW_PID" ] && kill "$SLOW_PID" 2> /dev/null
    [ -n "$PID" ] && kill -TERM "$PID" 2> /dev/null
    wait 2> /dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" node 0 --name bench > "$WORK/out" 2> "$WORK/err" &
PID=$!
URL=""
for i in $(seq 1 200); do
    URL=$(grep -m1 -o 'http://[0-9.:]*' "$WORK/out" || true)
    [ -n "$URL" ] && break
    sleep 0.05
done
[ -n "$URL" ] || { cat "$WORK/err"; echo "bench_http_slow: chainsim did not start"; exit 1; }
for i in $(seq 2 20); do
    curl -s -m 30 -X POST -H 'Accept: application/json' "$URL/mine" > /dev/null
done

# The slow clients: one process, non-blocking sockets, a line every 5 s each.
python3 - "${URL##*:}" "$SLOW" "$((SECS + 8))" > "$WORK/slow" <<'PY' &
import selectors, socket, sys, time
port, n, run_s = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
sel = selectors.DefaultSelector()
conns = {}   # socket -> next send time
stats = {"opened": 0, "cut": 0, "refused": 0, "answered": 0}

def open_one(i):
    s = socket.socket()
    s.setblocking(False)
    s.bind(("127.0.0.%d" % (10 + i // 50), 0))
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    except OSError:
        stats["refused"] += 1
        s.close()
        return
    conns[s] = (i, 0.0)  # due 0: the request line is next
    sel.register(s, selectors.EVENT_READ)
    stats["opened"] += 1

for i in range(n):
    open_one(i)
start = time.time()
while time.time() - start < run_s:
    now = time.time()
    for s, (i, due) in list(conns.items()):
        if now < due:
            continue
        try:
            s.send(b"GET /chain HTTP/1.1\r\n" if due == 0 else b"X-Slow: 1\r\n")
            conns[s] = (i, now + 5)
        except OSError:
            pass
    for key, _ in sel.select(timeout=0.2):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        i, _ = conns.pop(s)
        sel.unregister(s)
        s.close()
        stats["answered" if data else "cut"] += 1
        open_one(i)
print("slow clients: %d kept connected, %d connections opened, %d cut by the node, %d answered, %d refused at connect" %
      (len(conns), stats["opened"], stats["cut"], stats["answered"], stats["refused"]))
PY
SLOW_PID=$!
sleep 3
out=$(wrk -t2 -c32 -d"${SECS}s" --latency "$URL/chain" 2>&1 || true)
rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
errors=$(echo "$out" | awk '/Socket errors/ {sub(/^ *Socket errors: */, ""); print}')
non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
echo "== $("$BIN" --version 2> /dev/null | head -1 || echo chainsim) node at $URL, $SLOW slow clients, wrk -t2 -c32 ${SECS}s"
echo "GET /chain   ${rps:-0} req/s, p99 ${p99:-none}${non2xx:+, $non2xx non-2xx}${errors:+, socket errors: $errors}"
wait "$SLOW_PID" || true
SLOW_PID=""
cat "$WORK/slow"
