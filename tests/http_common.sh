# http_common.sh - what the tests/cli_http_*.sh scripts share (sourced):
# a work directory, nodes started on free ports and stopped at exit, JSON
# field reads, bounded waits. Only loopback addresses are ever used.
WORK=$(mktemp -d /tmp/chainsim-http-XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }

# start_node VAR ARGS...: runs `chainsim node 0 ARGS...`; sets VAR to its URL
# and VAR_PID to its process id.
start_node() {
    local var=$1 url="" i
    shift
    # Emptied here, not only by the redirection below: that one runs in the
    # background child, and the loop could read the URL a node of the same
    # name printed before (a restart) and talk to a port nobody listens on.
    : > "$WORK/$var.out"
    "$BIN" node 0 "$@" > "$WORK/$var.out" 2> "$WORK/$var.err" &
    PIDS+=($!)
    eval "${var}_PID=$!"
    for i in $(seq 1 200); do
        url=$(grep -o 'http://[0-9.:]*' "$WORK/$var.out" 2> /dev/null | head -1 || true)
        [ -n "$url" ] && break
        sleep 0.05
    done
    [ -n "$url" ] || { cat "$WORK/$var.err"; fail "node $var did not start"; }
    eval "$var=$url"
}

# jfield FIELD: reads JSON on stdin, prints .FIELD (dots for nesting).
jfield() {
    python3 -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(json.dumps(v) if isinstance(v, (dict, list, bool)) else v)' "$1"
}

post_json() { curl -s -m 30 -X POST -H 'Content-Type: application/json' -d "$2" "$1"; }
post_accept() { curl -s -m 30 -X POST -H 'Accept: application/json' "$1"; }
tip() { curl -s -m 10 "$1/status" | jfield tip; }
height() { curl -s -m 10 "$1/status" | jfield height; }

# wait_for CMD...: retries CMD every 0.1 s for at most 10 s.
wait_for() {
    local i
    for i in $(seq 1 100); do
        if "$@"; then return 0; fi
        sleep 0.1
    done
    return 1
}
