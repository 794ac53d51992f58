#!/usr/bin/env bash
# Exit codes: 0 when every expectation holds, 1 when one fails (and stderr
# names it), and the JSON report carries the verdicts.
source "$(dirname "$0")/shell_common.sh" "$1"
cat > "$dir/failing.json" <<'JSON'
{
  "name": "failing",
  "nodes": 2,
  "chain": {"difficulty": 4},
  "events": [{"at": 1, "do": "mine", "node": 0}],
  "expect": {"height": {"min": 5}, "blocks_mined": 1}
}
JSON
"$bin" --headless "$dir/failing.json" --report "$dir/r.json" >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 1 ] && ok || bad "a failed expectation should exit 1, got $code"
grep -q "height >= 5" "$dir/err" && ok || bad "stderr should name the failed rule: $(cat "$dir/err")"
grep -q "FAIL  height >= 5" "$dir/out" && ok || bad "the summary should mark the rule FAIL"
python3 - "$dir/r.json" <<'PY' && ok || bad "report verdicts"
import json, sys
r = json.load(open(sys.argv[1]))
e = {x["rule"]: x["pass"] for x in r["expectations"]}
assert e == {"height >= 5": False, "blocks_mined == 1": True}, e
assert r["metrics"]["blocks_mined"] == 1 and r["metrics"]["height"] == 2, r["metrics"]
assert r["converged"] is True and len(r["blocks"]) == 1
PY
# A declared block size sets the transfer time: 1 MB over 8 Mbit/s is 1 s
# (plus the announcement and request, a few microseconds at this rate).
cat > "$dir/big.json" <<'JSON'
{"name": "big-blocks", "nodes": 2, "links": {"latency_ms": 0, "upload_bps": 8000000},
 "chain": {"difficulty": 4, "block_bytes": 1000000},
 "events": [{"at": 1, "do": "mine", "node": 0}],
 "expect": {"propagation_median_s": {"min": 1.0, "max": 1.001}}}
JSON
"$bin" --headless --quiet "$dir/big.json" && ok || bad "block_bytes should make the transfer take 1 s"
# A bound on a metric that does not apply (no attackers here) fails with
# the reason: it is not judged on a stand-in 0, which "max 0.1" would pass.
cat > "$dir/na.json" <<'JSON'
{"name": "no-attackers", "nodes": 2, "chain": {"difficulty": 4},
 "events": [{"at": 1, "do": "mine", "node": 0}],
 "expect": {"attacker_share": {"max": 0.1}}}
JSON
"$bin" --headless "$dir/na.json" --report "$dir/na.r.json" >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 1 ] && ok || bad "a rule on a metric that does not apply should fail (exit 1), got $code"
grep -qF "attacker_share does not apply: no attackers" "$dir/out" && ok ||
    bad "the summary should say why the rule failed: $(cat "$dir/out")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["metrics"]["attacker_share"] is None, r["metrics"]' \
    "$dir/na.r.json" && ok || bad "the report should hold null for attacker_share"
"$bin" --headless --quiet scenarios/three-nodes.json && ok || bad "three-nodes should pass"
"$bin" --help | grep -q "usage: chainsim" && ok || bad "--help"
finish
