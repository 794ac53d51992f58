#!/usr/bin/env bash
# --csv DIR and --plot DIR: the files are there, the tables load with
# Python's csv module with the documented columns and agree with --report;
# the charts are valid PNG, SVG (XML, its words as <text>) and PDF (its
# words as text, read back by poppler's pdftotext), the time axis read
# from the SVG's ticks ends at the run's end and the scenario's events sit
# at their times; --plot-format and --plot-log; the same run gives the same
# bytes, and a directory that cannot be made is a clear error with exit
# code 2.
source "$(dirname "$0")/shell_common.sh" "$1"

out="$dir/out/nested"
"$bin" --headless --quiet scenarios/fork-race.json --csv "$out" --plot "$out" \
    --report "$dir/r.json" 2>"$dir/err"
code=$?
[ "$code" = 0 ] && ok || bad "the run should exit 0, got $code: $(cat "$dir/err")"
charts="propagation_cdf forks_over_time block_tree"
for f in blocks.csv nodes.csv timeseries.csv summary.csv; do
    [ -s "$out/$f" ] && ok || bad "$f is missing or empty"
done
for c in $charts; do for e in png svg pdf; do
    [ -s "$out/$c.$e" ] && ok || bad "$c.$e is missing or empty"
done; done

# PNG: the signature, and a header 3.5 in (the tree 7 in) wide at 300 dpi.
for c in $charts; do
    want=1050; [ "$c" = block_tree ] && want=2100
    python3 - "$out/$c.png" "$want" <<'PY' && ok || bad "$c.png is not a $2-pixel-wide PNG"
import struct, sys
b = open(sys.argv[1], "rb").read(24)
assert b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR", b
w, h = struct.unpack(">II", b[16:24])
assert w == int(sys.argv[2]) and 0 < h <= w, (w, h)
PY
done
# PDF: one page of the same size in points, and its words are text.
for c in $charts; do
    pdfinfo "$out/$c.pdf" >"$dir/info" 2>&1 && grep -q "^Pages: *1$" "$dir/info" && ok ||
        bad "$c.pdf: pdfinfo: $(cat "$dir/info")"
done
grep -q "^Page size: *252 x 180 pts" <(pdfinfo "$out/forks_over_time.pdf") && ok ||
    bad "forks_over_time.pdf should be 252 x 180 pt (3.5 x 2.5 in)"
pdftotext "$out/forks_over_time.pdf" - | tr '\n' ' ' >"$dir/words"
for w in "sim time (s)" "blocks so far" "stale blocks" "fork-race, seed 1"; do
    grep -qF "$w" "$dir/words" && ok || bad "forks_over_time.pdf has no text '$w': $(cat "$dir/words")"
done
pdftotext "$out/propagation_cdf.pdf" - | grep -q "seconds after the block was mined" && ok ||
    bad "propagation_cdf.pdf: the x label is not text"

python3 - "$out" "$dir/r.json" <<'PY' && ok || bad "the tables do not read back as documented"
import csv, json, math, sys
d, report = sys.argv[1], json.load(open(sys.argv[2]))
def load(name):
    with open(f"{d}/{name}", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]], rows[1:]
cols = {
    "blocks.csv": "hash,height,parent_hash,miner,miner_name,mined_s,reached,t50_s,t90_s,t100_s,tau_s,children,main",
    "nodes.csv": "node,name,region,region_name,upload_bps,download_bps,degree,hash_share_configured,hash_share_final,tip_hash,tip_height,on_main_tip,crashed,blocks_rejected",
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
    assert b["parent_hash"] == rb["parent"] and math.isclose(float(b["tau_s"]), rb["tau_s"], rel_tol=1e-12), (b, rb)
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
    # CSV keeps every digit: equal, to the report's precision. A metric
    # that does not apply (no attackers here) is null there, empty here.
    if v is None:
        assert summary[0][k] == "", (k, summary[0][k])
        continue
    assert math.isclose(float(summary[0][k]), v, rel_tol=1e-14), (k, summary[0][k], v)
assert report["metrics"]["attacker_share"] is None and summary[0]["attacker_share"] == ""
PY

# SVG: XML whose words are <text> elements (no glyph outlines), the time
# axis ends at the run's end (the value at the axis line's right end, by
# the ticks' positions, is the report's sim time), and the coinciding
# series are named.
python3 - "$out" "$dir/r.json" <<'PY' && ok || bad "the SVG charts do not hold what they show"
import json, re, sys, xml.etree.ElementTree as ET
d, report = sys.argv[1], json.load(open(sys.argv[2]))
NS = "{http://www.w3.org/2000/svg}"
def load(name):
    root = ET.parse(f"{d}/{name}.svg").getroot()
    assert root.tag == NS + "svg", root.tag
    assert not root.findall(f".//{NS}symbol"), "glyph outlines instead of text"
    texts = {}
    for t in root.iter(NS + "text"):
        texts.setdefault(t.get("class"), []).append((t.text, float(t.get("x")), float(t.get("y"))))
    return root, texts
def axis_scale(root, texts):
    ticks = [(float(v), x) for v, x, _ in texts["tick-x"]]
    (v0, x0), (v1, x1) = ticks[0], ticks[-1]
    # the frame: one path "M left top L left bottom L right bottom" in the axis grey
    frames = [p.get("d") for p in root.iter(NS + "path")
              if "stroke:rgb(33.33" in p.get("style", "") and p.get("d").count("L") == 2]
    assert len(frames) == 1, frames
    right = float(re.findall(r"[-0-9.]+", frames[0])[-2])
    return lambda x: v0 + (x - x0) * (v1 - v0) / (x1 - x0), right
root, t = load("forks_over_time")
assert [s for s, _, _ in t["label-x"]] == ["sim time (s)"], t["label-x"]
assert [s for s, _, _ in t["label-y"]] == ["blocks so far"], t["label-y"]
assert [s for s, _, _ in t["tick-x"]] == ["0", "2", "4"], t["tick-x"]
value_at, right = axis_scale(root, t)
assert abs(value_at(right) - report["sim_time_s"]) < 0.01, (value_at(right), report["sim_time_s"])
assert any("stale blocks and forks coincide" in s for s, _, _ in t["coincide"]), t
root, t = load("propagation_cdf")
assert [s for s, _, _ in t["tick-y"]] == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], t["tick-y"]
assert [s for s, _, _ in t["coincide"]] == ["the three curves coincide"], t["coincide"]
assert [s for s, _, _ in t["legend"]] == ["50% of nodes", "90% of nodes", "100% of nodes"]
root, t = load("block_tree")
assert sorted(s for s, _, _ in t["miner"]) == ["alice", "bob", "dave"], t["miner"]
PY

# Events: partition-heal's partition at 10 s and heal at 1210 s are
# labelled lines at those times (minutes on this axis); the label sits
# right of its line, 1 pt plus the glyphs' height (0.76 x 6.5 pt) away.
"$bin" --headless --quiet scenarios/partition-heal.json --plot "$dir/ph" --plot-format svg --plot-log \
    2>"$dir/err"
code=$?
[ "$code" = 0 ] && ok || bad "partition-heal --plot should exit 0, got $code: $(cat "$dir/err")"
[ -s "$dir/ph/forks_over_time.svg" ] && ! ls "$dir/ph" | grep -q "png\|pdf" && ok ||
    bad "--plot-format svg should write only SVGs: $(ls "$dir/ph")"
python3 - "$dir/ph" <<'PY' && ok || bad "partition-heal's events are not where they happened"
import re, sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(f"{sys.argv[1]}/forks_over_time.svg").getroot()
texts = [(t.get("class"), t.text, float(t.get("x"))) for t in root.iter(NS + "text")]
ticks = [(float(v), x) for c, v, x in texts if c == "tick-x"]
(v0, x0), (v1, x1) = ticks[0], ticks[-1]
at = lambda minutes: x0 + (minutes - v0) * (x1 - x0) / (v1 - v0)
events = {v: x for c, v, x in texts if c == "event"}
assert set(events) == {"partition", "heal", "hash power"}, events
for name, s in (("partition", 10), ("heal", 1210)):
    assert abs(events[name] - (at(s / 60) + 1 + 0.76 * 6.5)) < 0.05, (name, events[name], at(s / 60))
# --plot-log: the CDF's ticks are powers of ten
cdf = ET.parse(f"{sys.argv[1]}/propagation_cdf.svg").getroot()
ticks = [t.text for t in cdf.iter(NS + "text") if t.get("class") == "tick-x"]
assert ticks == ["0.1", "1", "10", "100", "1000"], ticks
PY

# Markup in a name stays text: the SVG parses, and the subtitle reads back.
cat > "$dir/odd.json" <<'JSON'
{"name": "a <b> & \"c\" 'd'", "nodes": 2, "chain": {"difficulty": 4},
 "events": [{"at": 1, "do": "mine", "node": 0}]}
JSON
"$bin" --headless --quiet "$dir/odd.json" --plot "$dir/odd" --plot-format svg 2>"$dir/err"
python3 - "$dir/odd/forks_over_time.svg" <<'PY' && ok || bad "a name with markup breaks the SVG: $(cat "$dir/err")"
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
sub = [t.text for t in ET.parse(sys.argv[1]).getroot().iter(NS + "text") if t.get("class") == "subtitle"]
assert sub and sub[0].startswith("a <b> & \"c\" 'd', seed 1:"), sub
PY

# Bad plot options: a clear error, exit 2, nothing written.
"$bin" --headless --quiet scenarios/fork-race.json --plot "$dir/bad" --plot-format png,gif 2>"$dir/err"
code=$?
[ "$code" = 2 ] && grep -q "^chainsim: --plot-format: expected png, svg or pdf (comma-separated), got 'gif'" "$dir/err" &&
    [ ! -e "$dir/bad" ] && ok || bad "--plot-format png,gif: exit $code, $(cat "$dir/err")"
"$bin" --headless --quiet scenarios/fork-race.json --plot-log 2>"$dir/err"
code=$?
[ "$code" = 2 ] && grep -q "go with --plot DIR" "$dir/err" && ok ||
    bad "--plot-log without --plot: exit $code, $(cat "$dir/err")"

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

finish
