#!/usr/bin/env bash
# The summary says what it means: the longest and the last fork among the
# live nodes' tips (not only the last disagreement, which after a 20-minute
# partition is the 0.3 s the heal's last block took to spread), where the
# stale formulas apply next to both of them, and long spans in human units.
source "$(dirname "$0")/shell_common.sh" "$1"

"$bin" --headless scenarios/partition-heal.json --report "$dir/ph.json" >"$dir/ph.out" 2>"$dir/err"
[ $? = 0 ] && ok || bad "partition-heal should pass: $(cat "$dir/err")"
python3 - "$dir/ph.out" "$dir/ph.json" <<'PY' && ok || bad "partition-heal: the fork lines do not tell the partition"
import json, re, sys
out, r = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
f = r["agreement"]["tip_forks"]
# one fork, opened early in the partition (10:00 to 30:00), ended by the heal
assert f["begun"] == 1 and f["open_since_s"] is None, f
lf = f["longest"]
assert lf == f["last"], f
assert 100 < lf["start_s"] < 300 and 1200 <= lf["end_s"] < 1300, lf
assert lf["length_s"] > 15 * 60, lf
# the blocks it orphaned are the run's stale blocks (the only fork)
assert lf["orphaned"] == r["metrics"]["stale_blocks"] >= 2, (lf, r["metrics"]["stale_blocks"])
assert lf["branches"] == 2 and lf["fork_height"] >= 1, lf
assert abs(r["metrics"]["longest_fork_s"] - lf["length_s"]) < 1e-9
assert r["metrics"]["longest_fork_orphaned"] == lf["orphaned"]
m = re.search(r"^  longest fork +(\d+) min (\d\d) s, (\d+) blocks orphaned \(fork at #(\d+)\), "
              r"from ([0-9.]+) s to ([0-9.]+) s$", out, re.M)
assert m, out
mins, secs, orph, at, t0, t1 = m.groups()
assert int(mins) * 60 + int(secs) == int(lf["length_s"]), (m.groups(), lf)
assert int(orph) == lf["orphaned"] and int(at) == lf["fork_height"], m.groups()
assert float(t0) == round(lf["start_s"], 3) and float(t1) == round(lf["end_s"], 3)
assert "last fork" not in out  # the same fork: said once
# the last disagreement is still said, for what it is
assert re.search(r"^  converged in +0\.300 s \(the last disagreement", out, re.M), out
PY

# tau: x = tau/T is 4.2 after a partition (neither formula holds), 0.09 on a
# connected network (both do); x/(1+x) beside 1 - e^(-x), each as the report.
"$bin" --headless scenarios/busy-network.json --report "$dir/bn.json" >"$dir/bn.out" 2>/dev/null
python3 - "$dir/ph.out" "$dir/ph.json" "$dir/bn.out" "$dir/bn.json" <<'PY' && ok || bad "the tau lines"
import json, math, re, sys
for out_p, rep_p, verdict in [(sys.argv[1], sys.argv[2], "x > 1: neither holds"),
                              (sys.argv[3], sys.argv[4], "x <= 0.2: small, where both hold")]:
    out, mt = open(out_p).read(), json.load(open(rep_p))["metrics"]
    x = mt["tau_over_interval"]
    assert math.isclose(mt["stale_rate_theory"], 1 - math.exp(-x), rel_tol=1e-12), mt
    assert math.isclose(mt["stale_rate_theory_x1x"], x / (1 + x), rel_tol=1e-12), mt
    m = re.search(r"^  tau +([0-9.]+) s mean delay to a node; x = tau/T = ([0-9.]+)$", out, re.M)
    assert m and math.isclose(float(m.group(2)), x, rel_tol=5e-3), (out, x)
    m = re.search(r"^  stale theory +1 - e\^\(-x\) = ([0-9.]+)% \(forks per block\), "
                  r"x/\(1\+x\) = ([0-9.]+)% \(stale per mined\)$", out, re.M)
    assert m, out
    assert float(m.group(1)) == round(100 * mt["stale_rate_theory"], 2), (m.groups(), mt)
    assert float(m.group(2)) == round(100 * mt["stale_rate_theory_x1x"], 2), (m.groups(), mt)
    assert verdict in out, (verdict, out)
    assert "predicts" not in out  # no bare prediction without where it holds
PY
# manual mining has no block interval: no tau line, and the metrics are null
"$bin" --headless scenarios/fork-race.json --report "$dir/fr.json" >"$dir/fr.out" 2>/dev/null
! grep -q "stale theory" "$dir/fr.out" && ok || bad "fork-race (manual mining) should print no stale theory"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["metrics"]; assert m["tau_over_interval"] is None and m["stale_rate_theory_x1x"] is None, m' \
    "$dir/fr.json" && ok || bad "fork-race: tau_over_interval should be null"

# Long spans in human units beside the seconds; short ones as they were.
grep -qE "^  sim time +1900\.000 s \(31 min 40 s; wall [0-9.]+ s\)$" "$dir/ph.out" && ok ||
    bad "partition-heal's sim time in minutes: $(grep 'sim time' "$dir/ph.out")"
grep -qE "^  sim time +5\.800 s \(wall [0-9.]+ s\)$" "$dir/fr.out" && ok ||
    bad "fork-race's sim time: $(grep 'sim time' "$dir/fr.out")"
cat >"$dir/long.json" <<'JSON'
{"name": "long", "nodes": 2, "duration_s": 24000000}
JSON
"$bin" --headless "$dir/long.json" >"$dir/long.out" 2>"$dir/err"
grep -qE "^  sim time +24000000\.000 s \(277 d 18 h; wall [0-9.]+ s\)$" "$dir/long.out" && ok ||
    bad "a 24,000,000 s run in days and hours: $(cat "$dir/long.out" "$dir/err")"
grep -qE "^  tip forks +none" "$dir/long.out" && ok || bad "no block, no fork: $(cat "$dir/long.out")"

# busy-network measures its first 600 s (before the end game): the block
# metrics count exactly the report's blocks mined before 600 s.
python3 - "$dir/bn.json" "$dir/bn.out" <<'PY' && ok || bad "busy-network's measurement window"
import json, statistics, sys
r, out = json.load(open(sys.argv[1])), open(sys.argv[2]).read()
w, mt = r["measure"], r["metrics"]
inside = [b for b in r["blocks"] if b["mined_s"] < 600]
assert w == {"from_s": 0, "to_s": 600, "blocks": len(inside), "blocks_in_all": len(r["blocks"])}, w
assert len(inside) < len(r["blocks"])  # the end game's blocks are left out
assert mt["blocks_mined"] == len(inside), mt["blocks_mined"]
assert mt["stale_blocks"] == sum(not b["main"] for b in inside)
assert abs(mt["stale_rate"] - mt["stale_blocks"] / len(inside)) < 1e-12
t100 = sorted(b["reach100_s"] for b in inside if b["reach100_s"] is not None)
assert abs(mt["propagation_median_s"] - statistics.median(t100)) < 1e-9
assert mt["height"] > len(inside)  # the height is the whole run's
assert f"measured         blocks mined from 0.000 s to 600.000 s: {len(inside)} of {len(r['blocks'])}" in out, out
PY

# The report says who each node is and, per block, its parent and its own
# tau; message events name the block (or transaction) they are about.
"$bin" --headless --quiet scenarios/validation/bitcoin-2015-small.json --until 2000 \
    --report "$dir/b.json" --trace "$dir/b.jsonl" --csv "$dir/bcsv" 2>/dev/null
python3 - "$dir/b.json" "$dir/b.jsonl" "$dir/bcsv/nodes.csv" <<'PY' && ok || bad "who each node is, each block's parent and tau, messages naming blocks"
import csv, json, math, sys
r = json.load(open(sys.argv[1]))
nodes = r["final_nodes"]
regions = {"NORTH_AMERICA", "EUROPE", "SOUTH_AMERICA", "ASIA_PACIFIC", "JAPAN", "AUSTRALIA"}
assert all(n["region_name"] in regions and n["region"] >= 0 for n in nodes), nodes[0]
assert all(n["upload_bps"] > 0 and n["download_bps"] > 0 for n in nodes), nodes[0]
assert math.isclose(sum(n["hash_share_configured"] for n in nodes), 1, rel_tol=1e-9)
assert sum(n["degree"] for n in nodes) % 2 == 0  # each link counted at both ends
rows = list(csv.DictReader(open(sys.argv[3])))
for n, c in zip(nodes, rows):
    assert c["region_name"] == n["region_name"] and int(c["degree"]) == n["degree"], (n, c)
    assert int(c["upload_bps"]) == n["upload_bps"], (n, c)
blocks = {b["hash"]: b for b in r["blocks"]}
assert blocks, "no block mined by 2000 s"
known = set(blocks) | {n["tip"] for n in nodes}
peers = {}
delays = {}
mined = {}
for line in open(sys.argv[2]):
    e = json.loads(line)
    if e["ev"] == "mined":
        mined[e["block"]] = e["t_us"]
    if e["ev"] == "block_accepted" and e["block"] in mined:
        delays.setdefault(e["block"], []).append((e["t_us"] - mined[e["block"]]) / 1e6)
    if not e["ev"].startswith("msg_"):
        continue
    if e["msg"] in ("block", "getdata") or (e["msg"] == "inv" and "tx" not in e):
        assert e.get("block") in known, e
    if e["ev"] == "msg_sent":
        peers.setdefault(e["node"], set()).add(e["peer"])
# nobody sends to more peers than it has
assert all(len(p) <= nodes[i]["degree"] for i, p in peers.items()), "a node sent beyond its peers"
for h, b in blocks.items():
    assert b["parent"] in known or b["height"] == 2, b
    d = delays.get(h, [])
    assert b["tau_s"] is None if not d else math.isclose(b["tau_s"], sum(d) / len(d), rel_tol=1e-9), (b, d[:3])
PY

# An observer (Decker & Wattenhofer 2013, Gervais et al.): a line a - b - c
# - d, the observer o linked to all four, only a mining, 50 ms links, blocks
# pushed. Each block reaches o from a at +50 ms (its first announcement),
# from b at +100, c +150, d +200: timed from the first, half of 4 peers at
# 50 ms, all of them at 150 ms; from mining half at 100 ms; the later
# announcements 50, 100, 150 ms after the first. The summary prints them
# under the acceptance-based reach lines; the report, the CSV and the trace
# carry the same; o is no attacker. Without observers the figures are null
# (JSON) and empty (CSV), and there is no observer line.
cat >"$dir/line.json" <<'JSON'
{"name": "observer-line", "seed": 5, "nodes": [{"name": "a"},
 {"name": "b", "hash_power": 0}, {"name": "c", "hash_power": 0},
 {"name": "d", "hash_power": 0}, {"name": "o"}],
 "topology": {"type": "edges", "edges": [["a", "b"], ["b", "c"], ["c", "d"],
   ["o", "a"], ["o", "b"], ["o", "c"], ["o", "d"]]},
 "links": {"latency_ms": 50}, "relay": "push",
 "chain": {"difficulty": 8, "block_interval_s": 30}, "mining": "auto", "duration_s": 600,
 "attackers": [{"strategy": "observer", "node": "o", "relay": false}]}
JSON
"$bin" --headless "$dir/line.json" --report "$dir/line.r.json" --trace "$dir/line.jsonl" \
    --csv "$dir/line.csv" >"$dir/line.out" 2>"$dir/err"
[ $? = 0 ] && ok || bad "observer-line should run: $(cat "$dir/err")"
"$bin" --headless scenarios/busy-network.json --csv "$dir/bn.csv" >/dev/null 2>&1
python3 - "$dir/line.out" "$dir/line.r.json" "$dir/line.jsonl" "$dir/line.csv/summary.csv" \
    "$dir/bn.json" "$dir/bn.out" "$dir/bn.csv/summary.csv" <<'PY' && ok || bad "the observer's figures"
import csv, json, re, sys
out, r = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
n = r["metrics"]["blocks_mined"]
assert n >= 5, n
lines = out.splitlines()
i = next(k for k, l in enumerate(lines) if l.startswith("  reach 100%"))
want = [
    r"  observers +1: o; each peer's first announcement, timed from the block's first one",
    r"  observer 50% +median 0\.050 s, p90 0\.050 s, max 0\.050 s \(N blocks\)",
    r" +median 0\.100 s, p90 0\.100 s \(the same from mining\)",
    r"  observer 90% +median 0\.150 s, p90 0\.150 s, max 0\.150 s \(N blocks\)",
    r"  announcements +after the first: median 0\.100 s, p90 0\.150 s, mean 0\.100 s, "
    r"max 0\.150 s \(3N\)",
]
for k, w in enumerate(want):
    w = w.replace("3N", str(3 * n)).replace("N", str(n))
    assert re.fullmatch(w, lines[i + 1 + k]), (w, lines[i + 1 + k])
assert "attackers" not in out, out
m = r["metrics"]
for k, v in {"observer_reach50_median_s": 0.05, "observer_reach90_median_s": 0.15,
             "observer_reach50_mined_median_s": 0.1, "observer_delay_median_s": 0.1,
             "observer_delay_p90_s": 0.15, "observer_delay_mean_s": 0.1,
             "reach50_median_s": 0.05}.items():
    assert abs(m[k] - v) < 1e-12, (k, m[k])
assert m["attacker_share"] is None and m["attacker_revenue"] is None, m
ob = r["propagation"]["observer"]
assert ob["observers"] == 1 and ob["reach50"]["blocks"] == n and ob["delay"]["announcements"] == 3 * n, ob
assert abs(ob["reach50_from_mining"]["median_s"] - 0.1) < 1e-12, ob
row = next(csv.DictReader(open(sys.argv[4])))
assert abs(float(row["observer_reach90_median_s"]) - 0.15) < 1e-12, row
# the trace: each block heard once from each of the 4 peers, a first, in order
mined, heard = {}, {}
for line in open(sys.argv[3]):
    e = json.loads(line)
    if e["ev"] == "mined":
        mined[e["block"]] = (e["t_us"], e["node"])
    if e["ev"] == "heard":
        assert e["node"] == 4 and e["peers"] == 4 and e["msg"] == "block", e
        heard.setdefault(e["block"], []).append((e["nth"], e["peer"], e["t_us"] - mined[e["block"]][0]))
assert len(heard) == n, (len(heard), n)
for b, h in heard.items():
    assert h == [(1, 0, 50000), (2, 1, 100000), (3, 2, 150000), (4, 3, 200000)], (b, h)
# no observer: null in JSON, empty in CSV, no observer line
bm = json.load(open(sys.argv[5]))["metrics"]
names = [k for k in m if k.startswith("observer_")]
assert len(names) == 6 and all(bm[k] is None for k in names), bm
assert "observer" not in json.load(open(sys.argv[5]))["propagation"]
brow = next(csv.DictReader(open(sys.argv[7])))
assert all(brow[k] == "" for k in names), brow
assert "observer" not in open(sys.argv[6]).read()
PY
finish
