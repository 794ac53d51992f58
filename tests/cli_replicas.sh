#!/usr/bin/env bash
# Replications through the real command line: the mean, sd and 95% interval
# of summary.csv recomputed by hand from the replicas' own rows (sweep.csv),
# replica 1 is the single run, the bytes do not depend on --workers, the
# interval shrinks about as 1/sqrt(N), paired points repeat the block-finder
# sequence and independent ones do not, and expect rules on the mean and
# within_ci pass and fail as they should.
source "$(dirname "$0")/shell_common.sh" "$1"

# 4 nodes, a block every 10 s for 600 s: blocks_mined is Poisson(60) per replica
tiny() { # $1 = extra top-level fields, $2 = expect object
    cat <<JSON
{"name": "tiny", "seed": 5, "nodes": 4, "mining": "auto",
 "chain": {"difficulty": 4, "block_interval_s": 10}, "links": {"latency_ms": 100},
 "duration_s": 600 $1, "expect": {${2:-}}}
JSON
}
tiny ', "replications": 5' '"node_height": [{"min": 2}]' >"$dir/r5.json"

# 1. the stats are the replicas' mean, sample sd and t(0.975, N-1) interval
"$bin" --headless --quiet "$dir/r5.json" --workers 1 --csv "$dir/w1" --report "$dir/w1.json"
[ $? = 0 ] && ok || bad "a replicated run whose rules hold should exit 0"
python3 - "$dir/w1" <<'PY' && ok || bad "summary.csv is not the replicas' mean, sd and interval"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/sweep.csv")))
stats = {r["metric"]: r for r in csv.DictReader(open(sys.argv[1] + "/summary.csv"))}
assert [r["replica"] for r in rows] == ["1", "2", "3", "4", "5"], rows
t4 = 2.776445105  # Student t, 0.975 quantile, 4 degrees of freedom (tables)
for m in ("blocks_mined", "messages_sent", "propagation_mean_s"):
    x = [float(r[m]) for r in rows]
    mean = sum(x) / 5
    sd = math.sqrt(sum((v - mean) ** 2 for v in x) / 4)
    s = stats[m]
    assert s["n"] == "5", s
    assert abs(float(s["mean"]) - mean) <= 1e-9 * max(1, abs(mean)), (m, s, mean)
    assert abs(float(s["sd"]) - sd) <= 1e-9 * max(1, sd), (m, s, sd)
    h = t4 * sd / math.sqrt(5)
    assert abs(float(s["ci95_low"]) - (mean - h)) <= 1e-6 * max(1, mean), (m, s)
    assert abs(float(s["ci95_high"]) - (mean + h)) <= 1e-6 * max(1, mean), (m, s)
x = [float(r["blocks_mined"]) for r in rows]
assert len(set(x)) > 1, x  # independent replicas do not repeat one another
seeds = [int(r["seed"]) for r in rows]
assert seeds[0] == 5 and len(set(seeds)) == 5 and max(seeds) < 2 ** 53, seeds
PY

# 2. replica 1 is the run without replications (its seed, its figures)
"$bin" --headless --quiet "$dir/r5.json" --replications 1 --csv "$dir/single"
python3 - "$dir/w1/sweep.csv" "$dir/single/summary.csv" <<'PY' && ok || bad "replica 1 differs from the single run"
import csv, sys
rep = list(csv.DictReader(open(sys.argv[1])))[0]
one = list(csv.DictReader(open(sys.argv[2])))[0]
for m in ("blocks_mined", "messages_sent", "stale_blocks", "bytes_sent"):
    assert float(rep[m]) == float(one[m]), (m, rep[m], one[m])
PY

# 3. the same bytes with 3 workers, and the seeds are reproducible
"$bin" --headless "$dir/r5.json" --workers 1 >"$dir/w1.out"
"$bin" --headless "$dir/r5.json" --workers 3 --csv "$dir/w3" --report "$dir/w3.json" >"$dir/w3.out"
cmp -s "$dir/w1.out" "$dir/w3.out" && ok || bad "the table differs between 1 and 3 workers"
cmp -s "$dir/w1.json" "$dir/w3.json" && ok || bad "the report differs between 1 and 3 workers"
cmp -s "$dir/w1/sweep.csv" "$dir/w3/sweep.csv" && cmp -s "$dir/w1/summary.csv" "$dir/w3/summary.csv" \
    && ok || bad "the CSV differs between 1 and 3 workers"
grep -q "^mean, sd and 95% confidence interval over 5 replicas (Student t, 4 degrees of freedom):$" \
    "$dir/w1.out" && ok || bad "the table should say what the interval is: $(cat "$dir/w1.out")"

# 4. the interval shrinks about as 1/sqrt(N): N = 10 and 40 (t 2.262 and 2.023),
# expected half-width ratio 2.24 times the ratio of the two sd estimates
for n in 10 40; do
    "$bin" --headless --quiet "$dir/r5.json" --replications "$n" --csv "$dir/n$n"
done
python3 - "$dir/n10/summary.csv" "$dir/n40/summary.csv" <<'PY' && ok || bad "the interval does not shrink as 1/sqrt(N)"
import csv, sys
a, b = ({r["metric"]: r for r in csv.DictReader(open(f))}["blocks_mined"] for f in sys.argv[1:])
ha = float(a["ci95_high"]) - float(a["mean"])
hb = float(b["ci95_high"]) - float(b["mean"])
ratio = ha / hb
print(f"  blocks_mined: N=10 half {ha:.3f}, N=40 half {hb:.3f}, ratio {ratio:.2f} (about 2.24)")
assert 1.4 < ratio < 3.6, ratio
assert a["n"] == "10" and b["n"] == "40"
PY

# 5. paired points repeat the block finders' sequence, independent ones do not
for mode in true false; do
    tiny ", \"sweep\": {\"vary\": {\"links.latency_ms\": [20, 40, 80]}, \"paired\": $mode, \"columns\": [\"blocks_mined\", \"height\"]}, \"replications\": 3" \
        >"$dir/sw-$mode.json"
    "$bin" --headless --quiet "$dir/sw-$mode.json" --csv "$dir/sw-$mode"
done
python3 - "$dir/sw-true/sweep.csv" "$dir/sw-false/sweep.csv" <<'PY' && ok || bad "paired vs independent sweep points"
import csv, sys
def by_replica(f):
    out = {}
    for r in csv.DictReader(open(f)):
        out.setdefault(r["replica"], []).append((r["seed"], r["blocks_mined"]))
    return out
paired, indep = by_replica(sys.argv[1]), by_replica(sys.argv[2])
for rep, pts in paired.items():   # one seed, one block count at every point
    assert len({s for s, _ in pts}) == 1 and len({b for _, b in pts}) == 1, (rep, pts)
seeds = [s for pts in indep.values() for s, _ in pts]
assert len(set(seeds)) == 9, seeds
assert any(len({b for _, b in pts}) > 1 for pts in indep.values()), indep
PY

# 6. expect: bounds on the mean, the reference inside the interval
mean=$(python3 -c "import csv,sys; print({r['metric']: r for r in csv.DictReader(open(sys.argv[1]))}['blocks_mined']['mean'])" "$dir/w1/summary.csv")
tiny ', "replications": 5' "\"blocks_mined\": {\"reference\": $mean, \"within_ci\": true}" >"$dir/ci-ok.json"
"$bin" --headless --quiet "$dir/ci-ok.json" 2>"$dir/err"
[ $? = 0 ] && ok || bad "the mean itself lies in its interval: $(cat "$dir/err")"
tiny ', "replications": 5' '"blocks_mined": {"reference": 1000, "within_ci": true, "source": "far off"}' >"$dir/ci-bad.json"
"$bin" --headless "$dir/ci-bad.json" >"$dir/out" 2>"$dir/err"
[ $? = 1 ] && ok || bad "a reference outside the interval should exit 1"
grep -q "expectation failed over 5 replicas" "$dir/err" && grep -q "95% interval of blocks_mined holds 1000 \[mean " "$dir/err" \
    && ok || bad "stderr should name the within_ci rule: $(cat "$dir/err")"
grep -q "FAIL 95% interval of blocks_mined holds 1000" "$dir/out" && ok || bad "the table should mark it FAIL"
python3 - "$dir/w1/sweep.csv" "$mean" <<'PY' >"$dir/bound"
import csv, sys
x = [float(r["blocks_mined"]) for r in csv.DictReader(open(sys.argv[1]))]
print((float(sys.argv[2]) + max(x)) / 2)  # above the mean, below the best replica
PY
tiny ', "replications": 5' "\"blocks_mined\": {\"min\": $(cat "$dir/bound")}" >"$dir/mean-bad.json"
"$bin" --headless --quiet "$dir/mean-bad.json" 2>"$dir/err"
[ $? = 1 ] && ok || bad "a min above the mean fails even though one replica passes it"
tiny ', "replications": 5' "\"blocks_mined\": {\"max\": $(cat "$dir/bound")}" >"$dir/mean-ok.json"
"$bin" --headless --quiet "$dir/mean-ok.json" 2>"$dir/err"
[ $? = 0 ] && ok || bad "a max above the mean holds even though one replica exceeds it: $(cat "$dir/err")"
"$bin" --headless --quiet "$dir/ci-ok.json" --replications 1 2>"$dir/err"
[ $? = 1 ] && grep -q "one run has no interval" "$dir/err" && ok \
    || bad "within_ci in a single run should fail and say why: $(cat "$dir/err")"
"$bin" --headless "$dir/r5.json" --replications 0 2>"$dir/err"
[ $? = 2 ] && grep -q "^chainsim: --replications: expected an integer 1..10000, got '0'$" "$dir/err" \
    && ok || bad "--replications 0: $(cat "$dir/err")"
"$bin" --headless "$dir/r5.json" --executor threads 2>"$dir/err"
[ $? = 2 ] && grep -q "is replicated: it runs in virtual time" "$dir/err" && ok \
    || bad "replicated with --executor threads: $(cat "$dir/err")"

# 7. family_wise: over a sweep of m = 4 points the interval is Bonferroni's
# (level 1 - 0.05/4, t at 1 - 0.025/4 = 4.315 for 4 degrees of freedom, not
# 2.776). Paired points with the same seeds and a latency the block finders
# do not depend on have the same blocks_mined at every point, so a reference
# 1.3 half-widths above the mean lies outside every 95% interval and inside
# every family-wise one; 1.8 half-widths lies outside both.
sw4() { # $1 = the rule's extra fields, $2 = the reference's distance in 95% half-widths
    python3 - "$dir/w1/summary.csv" "$2" <<'PY' >"$dir/ref"
import csv, sys
s = {r["metric"]: r for r in csv.DictReader(open(sys.argv[1]))}["blocks_mined"]
print(float(s["mean"]) + float(sys.argv[2]) * (float(s["ci95_high"]) - float(s["mean"])))
PY
    tiny ", \"sweep\": {\"vary\": {\"links.latency_ms\": [100, 200, 300, 400]}, \"paired\": true}, \"replications\": 5" \
        "\"blocks_mined\": {\"reference\": $(cat "$dir/ref"), \"within_ci\": true $1}"
}
sw4 '' 1.3 >"$dir/fw-95.json"
"$bin" --headless "$dir/fw-95.json" >"$dir/out" 2>"$dir/err"
[ $? = 1 ] && [ "$(grep -c "FAIL 95% interval of blocks_mined" "$dir/out")" = 4 ] && ok \
    || bad "1.3 half-widths off should fail the 95% rule at all 4 points: $(cat "$dir/err")"
sw4 ', "family_wise": true' 1.3 >"$dir/fw-ok.json"
"$bin" --headless "$dir/fw-ok.json" >"$dir/out" 2>"$dir/err"
[ $? = 0 ] && [ "$(grep -c "ok   family-wise 95% interval of blocks_mined holds .*98.75% CI \[.*Bonferroni over 4 points)" "$dir/out")" = 4 ] && ok \
    || bad "1.3 half-widths off should pass the family-wise rule at all 4 points: $(cat "$dir/out" "$dir/err")"
python3 - "$dir/out" "$dir/w1/summary.csv" <<'PY' && ok || bad "the family-wise interval is not mean +- t(0.99375, 4) sd / sqrt(5)"
import csv, math, re, sys
s = {r["metric"]: r for r in csv.DictReader(open(sys.argv[2]))}["blocks_mined"]
mean, sd = float(s["mean"]), float(s["sd"])
h = 4.31465605 * sd / math.sqrt(5)  # Student t, 0.99375 quantile, 4 degrees of freedom (numerical integration of the density)
got = re.findall(r"98\.75% CI \[([-0-9.e+]+), ([-0-9.e+]+)\]", open(sys.argv[1]).read())
assert len(got) == 4, got
for lo, hi in got:
    assert abs(float(lo) - (mean - h)) <= 1e-5 * mean and abs(float(hi) - (mean + h)) <= 1e-5 * mean, (lo, hi, mean, h)
PY
sw4 ', "family_wise": true' 1.8 >"$dir/fw-bad.json"
"$bin" --headless --quiet "$dir/fw-bad.json" 2>"$dir/err"
[ $? = 1 ] && ok || bad "1.8 half-widths off lies outside the family-wise interval too"

finish
