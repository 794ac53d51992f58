#!/usr/bin/env bash
# The threads executor knows when it lags: it measures how late it hands
# messages over against the wire's due time, reports the figures (summary
# and report), and warns when the mean lateness is a sizeable share (5%) of
# the time messages spend on the wire. A run on 10 ms links at speed 100
# (0.1 ms of wall time per hop, below what waking a thread costs) must
# warn; one on 500 ms links at speed 1 must not. Either way the figures must
# be plausible: every message handed over was measured, 0 <= p50 <= p99 <=
# max, the wire time is the links' latency, the share is mean / wire. The
# virtual executor is never late and reports none of it.
source "$(dirname "$0")/shell_common.sh" "$1"
cat > "$dir/fast.json" <<'JSON'
{
  "name": "fast-links",
  "nodes": 10,
  "topology": {"type": "random", "k": 3},
  "links": {"latency_ms": 10},
  "chain": {"difficulty": 8, "block_interval_s": 0.5},
  "mining": "auto",
  "traffic": {"tx_per_s": 20},
  "duration_s": 60
}
JSON
# Manual mining and nothing after the last event: the run ends once the
# network is quiet, so every message sent has been handed over.
cat > "$dir/slow.json" <<'JSON'
{
  "name": "slow-links",
  "nodes": 5,
  "topology": {"type": "random", "k": 2},
  "links": {"latency_ms": 500},
  "chain": {"difficulty": 8, "genesis": {"balances": {"node0": 1000}}},
  "events": [
    {"at": 0.1, "do": "tx", "node": "node0", "from": "node0", "to": "node1", "amount": 5},
    {"at": 0.2, "do": "mine", "node": "node0"},
    {"at": 0.3, "do": "tx", "node": "node0", "from": "node0", "to": "node2", "amount": 7},
    {"at": 0.4, "do": "mine", "node": "node3"}
  ]
}
JSON

# check REPORT SKEWED(true|false) WIRE_MS: the report's lateness object.
check() {
    python3 - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
want_skewed = sys.argv[2] == "true"
wire = float(sys.argv[3])
l = r["lateness"]
assert r["executor"] == "threads", r["executor"]
# Every message the wire carried was handed over (the drain ended with
# nothing in flight: no loss, no partition) and measured once.
assert l["messages"] > 0 and l["messages"] == r["messages"]["sent"], (l["messages"], r["messages"]["sent"])
assert 0 <= l["p50_ms"] <= l["p99_ms"] <= l["max_ms"], l
assert 0 <= l["mean_ms"] <= l["max_ms"], l
# Fixed latency, no bandwidth limit: a message is on the wire exactly that long.
assert abs(l["wire_mean_ms"] - wire) < 1e-6, l["wire_mean_ms"]
assert abs(l["share"] - l["mean_ms"] / l["wire_mean_ms"]) < 1e-9, l
assert l["skewed_from"] == 0.05, l
assert l["skewed"] == want_skewed and (l["share"] >= 0.05) == want_skewed, l
PY
}

"$bin" --headless "$dir/fast.json" --executor threads --speed 100 --report "$dir/fast.report.json" \
    >"$dir/fast.out" 2>&1 && ok || bad "fast run: $(cat "$dir/fast.out")"
grep -q '^  warning          results are skewed: lower --speed (messages arrived [0-9.]*% later than their links allow, 5% is the limit)$' \
    "$dir/fast.out" && ok || bad "the fast run should warn: $(cat "$dir/fast.out")"
grep -q '^  lateness         p50 [0-9.]* ms, p99 [0-9.]* ms, max [0-9.]* ms; mean [0-9.]* ms = [0-9.]*% of the 10.000 ms a message spent on the wire$' \
    "$dir/fast.out" && ok || bad "the fast run's lateness line: $(cat "$dir/fast.out")"
check "$dir/fast.report.json" true 10 && ok || bad "fast run's report"

"$bin" --headless "$dir/slow.json" --executor threads --speed 1 --report "$dir/slow.report.json" \
    >"$dir/slow.out" 2>&1 && ok || bad "slow run: $(cat "$dir/slow.out")"
grep -q 'skewed' "$dir/slow.out" && bad "the slow run should not warn: $(cat "$dir/slow.out")" || ok
grep -q '^  lateness         .* of the 500.000 ms a message spent on the wire$' "$dir/slow.out" \
    && ok || bad "the slow run's lateness line: $(cat "$dir/slow.out")"
check "$dir/slow.report.json" false 500 && ok || bad "slow run's report"

# The virtual executor: no lateness line, no lateness field.
"$bin" --headless "$dir/fast.json" --report "$dir/virtual.report.json" >"$dir/virtual.out" 2>&1 \
    && ok || bad "virtual run: $(cat "$dir/virtual.out")"
grep -q 'lateness\|skewed' "$dir/virtual.out" && bad "virtual run prints lateness: $(cat "$dir/virtual.out")" || ok
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert "lateness" not in r' \
    "$dir/virtual.report.json" && ok || bad "the virtual report has a lateness field"
finish
