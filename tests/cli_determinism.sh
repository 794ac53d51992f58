#!/usr/bin/env bash
# The virtual executor is deterministic: the same scenario and seed give a
# byte-identical report and trace; another seed gives another trace.
source "$(dirname "$0")/shell_common.sh" "$1"
for f in scenarios/*.json; do
    n=$(basename "$f" .json)
    "$bin" --headless --quiet "$f" --report "$dir/$n.1.json" --trace "$dir/$n.1.jsonl"
    "$bin" --headless --quiet "$f" --report "$dir/$n.2.json" --trace "$dir/$n.2.jsonl"
    if cmp -s "$dir/$n.1.json" "$dir/$n.2.json" && cmp -s "$dir/$n.1.jsonl" "$dir/$n.2.jsonl" &&
       [ -s "$dir/$n.1.jsonl" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL $n: two runs with the same seed differ"; fail=$((fail + 1))
    fi
done
# Another seed changes an auto-mining run.
"$bin" --headless --quiet scenarios/partition-heal.json --seed 99 --trace "$dir/other.jsonl"
"$bin" --headless --quiet scenarios/partition-heal.json --trace "$dir/same.jsonl"
if cmp -s "$dir/other.jsonl" "$dir/same.jsonl"; then
    echo "FAIL another seed gave the same trace"; fail=$((fail + 1))
else
    pass=$((pass + 1))
fi
# The report says which seed it used.
"$bin" --headless --quiet scenarios/fork-race.json --seed 12345 --report "$dir/seed.json"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["seed"]==12345 and d["converged"] in (True,False) else 1)' "$dir/seed.json"; then
    pass=$((pass + 1))
else
    echo "FAIL the report does not carry the seed"; fail=$((fail + 1))
fi
finish
