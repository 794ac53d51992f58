#!/usr/bin/env bash
# Random streams per purpose (docs/experiments.md, "Seeds and random
# streams"): a node's block-finding times, its nonce starts and its random
# transactions come from three streams of their own. So two runs that differ
# only in the traffic rate have the same block finders at the same times,
# while their blocks (contents, sizes, propagation) differ. This holds where
# nothing feeds the network back into the mining rate: no retargeting (there
# a node's next difficulty follows its tip's branch, which propagation
# decides). busy-network has none; its hash-power events are scheduled, the
# same in every run.
source "$(dirname "$0")/shell_common.sh" "$1"

rate() { # $1 = tx_per_s (0: no traffic at all) -> $dir/tx$1.json
    python3 - "$1" "$dir/tx$1.json" <<'PY'
import json, sys
s = json.load(open("scenarios/busy-network.json"))
r = float(sys.argv[1])
if r > 0: s["traffic"]["tx_per_s"] = r
else: del s["traffic"]
s.pop("expect", None)
json.dump(s, open(sys.argv[2], "w"))
PY
}
for r in 0 1 5; do
    rate "$r"
    "$bin" --headless --quiet "$dir/tx$r.json" --report "$dir/tx$r.report.json"
    [ $? = 0 ] || bad "busy-network at $r tx/s did not run"
done

python3 - "$dir" <<'PY' && ok || bad "the traffic rate moved the block finders"
import json, sys
runs = {r: json.load(open(f"{sys.argv[1]}/tx{r}.report.json")) for r in (0, 1, 5)}
finders = {r: sorted((b["mined_s"], b["miner"]) for b in rep["blocks"]) for r, rep in runs.items()}
assert len(finders[1]) >= 40, len(finders[1])
for r in (0, 5):
    assert finders[r] == finders[1], (r, [p for p in zip(finders[r], finders[1]) if p[0] != p[1]][:3])
# not vacuous: the traffic did change the blocks and what travelled
txs = {r: sum(b["txs"] for b in rep["blocks"]) for r, rep in runs.items()}
assert txs[0] < txs[1] < txs[5], txs
assert runs[1]["blocks"] != runs[5]["blocks"]
PY

# the same seed still gives the same bytes
"$bin" --headless --quiet "$dir/tx5.json" --report "$dir/tx5.again.json"
cmp -s "$dir/tx5.report.json" "$dir/tx5.again.json" && ok || bad "the same run gave other bytes"
finish
