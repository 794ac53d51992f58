#!/usr/bin/env bash
# Attackers in the threads executor: the same node code, one thread per
# node, real time (sped up). Liars are rejected and the eclipse victim is cut
# off, as in virtual time; the expect rules of each file decide.
set -u
bin="$1"
pass=0; fail=0
for f in scenarios/attacks/invalid-and-fake-chains.json scenarios/attacks/eclipse.json; do
    if "$bin" --headless --quiet "$f" --executor threads --speed 300; then
        pass=$((pass + 1))
    else
        echo "FAIL $f in the threads executor"
        "$bin" --headless "$f" --executor threads --speed 300 | tail -8
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
