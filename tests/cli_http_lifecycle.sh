#!/usr/bin/env bash
# A node's life as a process: idle it sleeps (CPU from /proc/PID/stat), a
# port in use is refused with exit 2 instead of shared, and SIGTERM ends it
# at any moment after start, the first instructions included.
set -euo pipefail
BIN=$1
source "$(dirname "$0")/http_common.sh"

# cpu_ticks PID: user + system clock ticks the process used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# 1. Idle: nothing to do, so (almost) no CPU. Measured over 3 s after 1 s to settle.
start_node IDLE --name idle
sleep 1
t0=$(cpu_ticks "$IDLE_PID")
sleep 3
t1=$(cpu_ticks "$IDLE_PID")
hz=$(getconf CLK_TCK)
pct=$(( (t1 - t0) * 100 / (3 * hz) ))
[ "$pct" -le 3 ] || fail "an idle node used ${pct}% of a core over 3 s ($((t1 - t0)) ticks)"
echo "idle node: $((t1 - t0)) ticks in 3 s (${pct}% of a core)"

# 2. A port in use: refused, with the port named and exit code 2; the first
# node still answers alone.
port=${IDLE##*:}
set +e
timeout 10 "$BIN" node "$port" > "$WORK/second.out" 2> "$WORK/second.err"
rc=$?
set -e
[ "$rc" = 2 ] || { cat "$WORK/second.err"; fail "a second node on port $port: exit $rc, expected 2"; }
grep "^chainsim: port $port is in use" "$WORK/second.err" > /dev/null ||
    { cat "$WORK/second.err"; fail "the refusal does not say the port is in use"; }
for i in 1 2 3 4 5 6; do
    name=$(curl -s -m 5 "$IDLE/status" | jfield node)
    [ "$name" = idle ] || fail "request $i on port $port was answered by '$name', not the first node"
done
kill -TERM "$IDLE_PID"
wait "$IDLE_PID" || fail "the idle node did not exit 0 on SIGTERM"

# 3. SIGTERM at delays from 0 to 45 ms after the start, half of the runs with
# a data dir: every run ends within 5 s, with exit 0 (the signal was handled)
# or by the signal itself (it came before main() blocked it). A run still
# alive is a lost signal.
python3 - "$BIN" "$WORK" <<'PY' || fail "a SIGTERM right after the start was lost"
import subprocess, sys, time
binary, work = sys.argv[1], sys.argv[2]
counts = {}
for i in range(40):
    delay = (i * 7 % 46) / 1000.0
    args = [binary, "node", "0"] + (["--data-dir", "%s/term%d" % (work, i)] if i % 2 else [])
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(delay)
    p.terminate()
    try:
        _, err = p.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        print("FAIL: start %d: SIGTERM after %.0f ms ignored (alive 5 s later)" % (i, delay * 1000))
        sys.exit(1)
    if p.returncode not in (0, -15):
        print("FAIL: start %d: exit %d after SIGTERM at %.0f ms: %s" % (i, p.returncode, delay * 1000, err.decode()))
        sys.exit(1)
    counts[p.returncode] = counts.get(p.returncode, 0) + 1
print("40 immediate SIGTERMs: %d handled (exit 0), %d before main" % (counts.get(0, 0), counts.get(-15, 0)))
PY
echo "1 passed, 0 failed"
