#!/usr/bin/env bash
# Race mining: in the threads executor the nodes really grind nonces and the
# fastest wins; the virtual executor refuses such a scenario (exit 2). Two
# grinders may find blocks at the same height within a link's latency, and the
# run stops at height 4 at once, so the test does not ask for one tip at the
# end: a tie is a legitimate outcome of a race.
source "$(dirname "$0")/shell_common.sh" "$1"
cat > "$dir/race.json" <<'JSON'
{
  "name": "race",
  "nodes": [{"name": "alice"}, {"name": "bob"}, {"name": "watcher", "hash_power": 0}],
  "links": {"latency_ms": 20},
  "chain": {"difficulty": 14},
  "mining": "race",
  "duration_s": 120,
  "stop": {"height": 4},
  "expect": {"height": {"min": 4}, "blocks_mined": {"min": 3}}
}
JSON
"$bin" --headless "$dir/race.json" --executor threads --report "$dir/r.json" >"$dir/out" 2>&1 \
    && ok || bad "race mining in the threads executor: $(cat "$dir/out")"
# alice and bob grind; the watcher, with no hash power, never wins.
python3 - "$dir/r.json" <<'PY' && ok || bad "only the grinding nodes should mine"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["blocks"] and all(b["miner"] in (0, 1) for b in r["blocks"]), r["blocks"]
PY
"$bin" --headless "$dir/race.json" >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 2 ] && ok || bad "virtual executor with race mining should exit 2, got $code"
grep -q "race mining needs the threads executor" "$dir/err" && ok || bad "message: $(cat "$dir/err")"
[ ! -s "$dir/out" ] && ok || bad "nothing should run"
finish
