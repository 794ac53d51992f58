#!/usr/bin/env bash
# Golden outputs: every shipped scenario, run by the virtual executor, gives
# the very bytes it gave when tests/golden/hashes.txt was written. Each case
# writes its report (--report), its trace (--trace) and its CSV tables
# (--csv); the sweep writes its rows (--report) and sweep.csv. The SHA-256 of
# every file, and the exit code of every run, are compared with the table.
#
# A change of output that is intended (a new field, a fixed number) is made
# by regenerating the table and saying why in the same commit:
#     bash tests/cli_golden.sh build/chainsim --update
# then `git diff tests/golden/hashes.txt` shows which files changed.
#
# Shortened (the full runs take 20-50 s each; the golden test is about the
# bytes, their own tests check the figures): the three selfish-mining points
# stop at --until 600000 (1,000 of their 20,000 block intervals), the 6,000-
# and 10,000-node Bitcoin networks at --until 4000 (two blocks over the whole
# network), stale-rate at --until 30000 (1,000 of its 10,000 blocks); the
# replicated stale-rate and selfish files as one replica (--replications 1).
# Their expect rules then fail (exit 1), and that exit code is part of the table.
set -u
bin="$1"
mode="${2:-check}"
table=tests/golden/hashes.txt
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# name|scenario and extra arguments
cases=()
for f in scenarios/*.json scenarios/attacks/*.json; do
    cases+=("$(basename "$f" .json)|$f")
done
cases+=("bitcoin-2015-small|scenarios/validation/bitcoin-2015-small.json"
        "bitcoin-2015-paper|scenarios/validation/bitcoin-2015-paper.json --until 4000"
        "bitcoin-2019-10k|scenarios/validation/bitcoin-2019-10k.json --until 4000"
        "stale-rate|scenarios/validation/stale-rate.json --until 30000 --replications 1")
for f in scenarios/validation/selfish-*.json; do
    cases+=("$(basename "$f" .json)|$f --until 600000 --replications 1")
done

got="$dir/hashes.txt"
: >"$got"
for c in "${cases[@]}"; do
    name="${c%%|*}"
    read -r -a args <<<"${c#*|}"
    out="$dir/$name"
    "$bin" --headless --quiet "${args[@]}" --report "$out.report.json" \
        --trace "$out.trace.jsonl" --csv "$out.csv" 2>"$out.err"
    echo "$name exit $?" >>"$got"
    for f in "$out.report.json" "$out.trace.jsonl" "$out.csv"/*.csv; do
        [ -e "$f" ] || continue
        echo "$name ${f#"$out".} $(sha256sum <"$f" | cut -d' ' -f1)" >>"$got"
    done
    rm -rf "$out".*
done
for f in scenarios/sweeps/*.json; do
    name=sweep-$(basename "$f" .json)
    out="$dir/$name"
    "$bin" --headless --quiet "$f" --workers 1 --report "$out.report.json" \
        --csv "$out.csv" 2>"$out.err"
    echo "$name exit $?" >>"$got"
    for f2 in "$out.report.json" "$out.csv"/*.csv; do
        [ -e "$f2" ] || continue
        echo "$name ${f2#"$out".} $(sha256sum <"$f2" | cut -d' ' -f1)" >>"$got"
    done
    rm -rf "$out".*
done

if [ "$mode" = --update ]; then
    mkdir -p "$(dirname "$table")"
    cp "$got" "$table"
    echo "wrote $table ($(wc -l <"$table") lines)"
    exit 0
fi
if [ ! -s "$table" ]; then
    echo "FAIL $table is missing: run 'bash $0 BIN --update' to write it"
    echo "0 passed, 1 failed"
    exit 1
fi
# One pass or fail per line of the table; a line that is new or gone fails too.
pass=0; fail=0
while read -r name what value; do
    have=$(awk -v n="$name" -v w="$what" '$1 == n && $2 == w { print $3 }' "$got")
    if [ "$have" = "$value" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL $name $what: want $value, got ${have:-nothing}"; fail=$((fail + 1))
    fi
done <"$table"
while read -r name what value; do
    if ! awk -v n="$name" -v w="$what" '$1 == n && $2 == w { f = 1 } END { exit !f }' "$table"; then
        echo "FAIL $name $what is new (not in $table): $value"; fail=$((fail + 1))
    fi
done <"$got"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
