#!/usr/bin/env bash
# --csv DIR and --plot DIR: the files are there, the tables load with
# Python's csv module with the documented columns and agree with --report,
# the same run gives the same bytes, and a directory that cannot be made is
# a clear error with exit code 2.
set -u
bin="$1"
dir=$(mktemp -d)
trap 'chmod -R u+w "$dir" 2>/dev/null; rm -rf "$dir"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

out="$dir/out/nested"
"$bin" --headless --quiet scenarios/fork-race.json --csv "$out" --plot "$out" \
    --report "$dir/r.json" 2>"$dir/err"
code=$?
[ "$code" = 0 ] && ok || bad "the run should exit 0, got $code: $(cat "$dir/err")"
for f in blocks.csv nodes.csv timeseries.csv summary.csv \
         propagation_cdf.png forks_over_time.png block_tree.png; do
    [ -s "$out/$f" ] && ok || bad "$f is missing or empty"
done
for f in propagation_cdf.png forks_over_time.png block_tree.png; do
    python3 -c 'import sys; sys.exit(open(sys.argv[1], "rb").read(8) != b"\x89PNG\r\n\x1a\n")' \
        "$out/$f" && ok || bad "$f is not a PNG"
done

python3 - "$out" "$dir/r.json" <<'PY' && ok || bad "the tables do not read back as documented"
import csv, json, math, sys
d, report = sys.argv[1], json.load(open(sys.argv[2]))
def load(name):
    with open(f"{d}/{name}", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]], rows[1:]
cols = {
    "blocks.csv": "hash,height,parent_hash,miner,miner_name,mined_s,reached,t50_s,t90_s,t100_s,children,main",
    "nodes.csv": "node,name,region,region_name,hash_share,tip_hash,tip_height,on_main_tip,crashed,blocks_rejected",
    "timeseries.csv": "t_s,distinct_tips,blocks_mined,stale_blocks,forks,main_height",
    "summary.csv": "scenario,seed,nodes,sim_time_s," + ",".join(report["metrics"]),
}
for name, want in cols.items():
    header, rows, raw = load(name)
    assert header == want.split(","), (name, header)
    assert all(len(r) == len(header) for r in raw), name
_, blocks, _ = load("blocks.csv")
assert [b["hash"] for b in blocks] == [b["hash"] for b in report["blocks"]]
for b, rb in zip(blocks, report["blocks"]):
    assert math.isclose(float(b["t50_s"]), rb["reach50_s"], rel_tol=1e-14), b
    assert math.isclose(float(b["mined_s"]), rb["mined_s"], rel_tol=1e-14), b
    assert int(b["main"]) == int(rb["main"]) and int(b["height"]) == rb["height"], b
assert sum(int(b["main"]) for b in blocks) == report["metrics"]["height"] - 1
_, nodes, _ = load("nodes.csv")
assert [n["name"] for n in nodes] == ["alice", "bob", "carol", "dave"], nodes
assert all(n["tip_hash"] == report["agreement"]["main_tip"] and n["on_main_tip"] == "1" for n in nodes)
_, series, _ = load("timeseries.csv")
assert series[0] == {"t_s": "0", "distinct_tips": "1", "blocks_mined": "0", "stale_blocks": "0",
                     "forks": "0", "main_height": "1"}, series[0]
last = series[-1]
assert float(last["t_s"]) == report["sim_time_s"]
assert int(last["blocks_mined"]) == report["metrics"]["blocks_mined"]
assert int(last["stale_blocks"]) == report["metrics"]["stale_blocks"]
assert int(last["forks"]) == report["metrics"]["forks"]
_, summary, _ = load("summary.csv")
assert len(summary) == 1 and summary[0]["scenario"] == "fork-race" and summary[0]["seed"] == "1"
for k, v in report["metrics"].items():
    # cJSON keeps 15 digits when they read back within its epsilon; the
    # CSV keeps every digit: equal, to the report's precision
    assert math.isclose(float(summary[0][k]), v, rel_tol=1e-14), (k, summary[0][k], v)
PY

# The same run again: the same bytes, tables and pictures alike.
"$bin" --headless --quiet scenarios/fork-race.json --csv "$dir/again" --plot "$dir/again"
same=1
for f in "$out"/*; do cmp -s "$f" "$dir/again/$(basename "$f")" || { same=0; echo "  differs: $(basename "$f")"; }; done
[ "$same" = 1 ] && ok || bad "two runs with the same seed wrote different files"

# --csv alone needs no window: it runs headless without being told.
env -u DISPLAY -u WAYLAND_DISPLAY "$bin" --quiet scenarios/fork-race.json --csv "$dir/implied" 2>"$dir/err"
code=$?
[ "$code" = 0 ] && [ -s "$dir/implied/blocks.csv" ] && ok ||
    bad "--csv without --headless should run headless, got $code: $(cat "$dir/err")"

# A directory that cannot be made: a clear error, exit 2.
: > "$dir/plain"
for opt in csv plot; do
    "$bin" --headless --quiet scenarios/fork-race.json --$opt "$dir/plain/sub" 2>"$dir/err"
    code=$?
    [ "$code" = 2 ] && ok || bad "--$opt into a file's subdirectory should exit 2, got $code"
    grep -q "^chainsim: --$opt $dir/plain/sub: .*plain is not a directory" "$dir/err" && ok ||
        bad "--$opt error should say why: $(cat "$dir/err")"
done
if [ "$(id -u)" != 0 ]; then # root writes anywhere
    mkdir "$dir/locked" && chmod 555 "$dir/locked"
    "$bin" --headless --quiet scenarios/fork-race.json --csv "$dir/locked/x" 2>"$dir/err"
    code=$?
    [ "$code" = 2 ] && grep -q "Permission denied" "$dir/err" && ok ||
        bad "--csv into a read-only directory: exit $code, $(cat "$dir/err")"
fi

# Usage names both options; --plot does not go with --screenshot.
"$bin" --help >"$dir/help"
grep -q -- "--csv DIR" "$dir/help" && grep -q -- "--plot DIR" "$dir/help" && ok ||
    bad "--help should list --csv and --plot"
"$bin" scenarios/fork-race.json --screenshot "$dir/s.png" --plot "$dir/p" 2>"$dir/err"
code=$?
[ "$code" = 2 ] && grep -q "not --screenshot" "$dir/err" && ok ||
    bad "--plot with --screenshot should be refused, got $code: $(cat "$dir/err")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
