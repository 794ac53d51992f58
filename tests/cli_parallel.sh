#!/usr/bin/env bash
# The parallel virtual executor (--parallel N) writes what the sequential one
# writes: every shipped scenario, headless, at --parallel 1, 2 and 3, gives
# the same report, trace, CSV tables, exit code and summary (its wall-clock
# figure aside), byte for byte. Runs are shortened as in cli_golden.sh (the
# bytes are the point). Under sanitizers (CHAINSIM_PARALLEL_SMALL=1, set by
# tests/CMakeLists.txt) a few scenarios that still cross partitions, winding
# down, link events and attackers run instead of all of them.
# Then: links without latency leave no lookahead, so such a run stays on one
# thread and says so on stderr, with the same bytes; --parallel takes 1..256
# and is refused with the threads executor. Without --parallel a run of
# 1,000 nodes or more takes every online core, a smaller one stays on one.
# Sweeps and replicated scenarios (validation/retarget-*, bitcoin-2015-small-x10)
# run their runs on workers of their own (--workers) and are not here.
source "$(dirname "$0")/shell_common.sh" "$1"

cases=()
if [ "${CHAINSIM_PARALLEL_SMALL:-0}" = 1 ]; then
    cases=("scenarios/three-nodes.json" "scenarios/fork-race.json"
           "scenarios/partition-heal.json --until 300"
           "scenarios/attacks/eclipse.json --until 2000"
           "scenarios/busy-network.json --until 20")
else
    for f in scenarios/*.json scenarios/attacks/*.json; do cases+=("$f"); done
    cases+=("scenarios/validation/bitcoin-2015-small.json"
            "scenarios/validation/bitcoin-2015-paper.json --until 4000"
            "scenarios/validation/bitcoin-2019-10k.json --until 4000"
            "scenarios/validation/stale-rate.json --until 30000 --replications 1")
    # (the replicated files as one run: a replica is what --parallel splits)
    for f in scenarios/validation/selfish-*.json; do cases+=("$f --until 600000 --replications 1"); done
fi

# run NAME N ARGS...: one run's files under $dir/NAME.N.*
run() {
    local name="$1" n="$2"
    shift 2
    "$bin" --headless "$@" --parallel "$n" --report "$dir/$name.$n.report.json" \
        --trace "$dir/$name.$n.trace.jsonl" --csv "$dir/$name.$n.csv" \
        2>"$dir/$name.$n.err" | sed 's/wall [0-9.]* s)$/wall)/' >"$dir/$name.$n.out"
    echo "${PIPESTATUS[0]}" >"$dir/$name.$n.exit"
}

same() { # NAME N: run N's files equal run 1's
    local name="$1" n="$2" f
    for f in report.json trace.jsonl out exit; do
        cmp -s "$dir/$name.1.$f" "$dir/$name.$n.$f" || { bad "$name: $f differs at --parallel $n"; return; }
    done
    diff -r "$dir/$name.1.csv" "$dir/$name.$n.csv" >/dev/null ||
        { bad "$name: the CSV tables differ at --parallel $n"; return; }
    ok
}

for c in "${cases[@]}"; do
    read -r -a args <<<"$c"
    name=$(basename "${args[0]}" .json)
    for n in 1 2 3; do run "$name" "$n" "${args[@]}"; done
    # Something ran: a trace with lines, a summary, and one thread at 1.
    [ -s "$dir/$name.1.trace.jsonl" ] && grep -q "^chainsim: " "$dir/$name.1.out" ||
        bad "$name: no trace or no summary"
    same "$name" 2
    same "$name" 3
    grep -q "lookahead" "$dir/$name.3.err" && bad "$name: fell back to one thread"
    rm -rf "$dir/$name".*
done

# Zero latency: no lookahead, one thread, one line on stderr, same bytes.
cat >"$dir/zero.json" <<'JSON'
{"name": "zero-latency", "seed": 3, "nodes": 6, "topology": {"type": "mesh"},
 "links": {"latency_ms": 0}, "chain": {"block_interval_s": 2}, "mining": "auto",
 "duration_s": 60}
JSON
run zero 1 "$dir/zero.json"
run zero 2 "$dir/zero.json"
same zero 2
grep -q "blocks *[1-9]" "$dir/zero.1.out" || bad "zero latency: no block mined"
[ "$(grep -c "no lookahead: running on one thread, not 2" "$dir/zero.2.err")" = 1 ] && ok ||
    bad "zero latency: stderr does not say so: $(cat "$dir/zero.2.err")"
[ -s "$dir/zero.1.err" ] && bad "zero latency at 1: stderr not empty" || ok

# Download queues: a send changes its receiver, so workers could race on
# it; one thread, one line on stderr saying why, same bytes.
cat >"$dir/dlq.json" <<'JSON'
{"name": "download-queue", "seed": 3, "nodes": 6, "topology": {"type": "mesh"},
 "links": {"latency_ms": 20, "download_bps": 1000000, "download_queue": true},
 "chain": {"block_interval_s": 2, "block_bytes": 50000}, "mining": "auto", "duration_s": 60}
JSON
run dlq 1 "$dir/dlq.json"
run dlq 2 "$dir/dlq.json"
same dlq 2
[ "$(grep -c "download queues make every send touch its receiver: running on one thread, not 2" \
      "$dir/dlq.2.err")" = 1 ] && ok || bad "download queue: stderr does not say so: $(cat "$dir/dlq.2.err")"

# The default: every online core for 1,000 nodes or more, one below, and
# --parallel 1 keeps a large run on one thread.
cores=$(nproc)
workers() { "$bin" --headless -v "$@" 2>&1 | sed -n 's/^chainsim: info: \([0-9]*\) worker thread(s).*/\1/p'; }
[ "$(workers scenarios/validation/bitcoin-2019-10k.json --until 20)" = "$cores" ] && ok ||
    bad "10,000 nodes by default: $(workers scenarios/validation/bitcoin-2019-10k.json --until 20) workers, not $cores"
[ "$(workers scenarios/validation/bitcoin-2019-10k.json --until 20 --parallel 1)" = 1 ] && ok ||
    bad "10,000 nodes at --parallel 1: not one worker"
[ "$(workers scenarios/validation/bitcoin-2015-small.json --until 20)" = 1 ] && ok ||
    bad "a small run by default: not one worker"
for n in 999 1000; do # the edge
    printf '{"name": "edge", "seed": 1, "nodes": %d, "topology": {"type": "random", "k": 8},\n "links": {"latency_ms": 50}, "mining": "auto", "duration_s": 10}\n' "$n" >"$dir/edge$n.json"
done
[ "$(workers "$dir/edge999.json")" = 1 ] && ok || bad "999 nodes by default: $(workers "$dir/edge999.json") workers"
[ "$(workers "$dir/edge1000.json")" = "$cores" ] && ok || bad "1,000 nodes by default: $(workers "$dir/edge1000.json") workers"

# Bad values and the threads executor.
for v in 0 257 x 1.5; do
    "$bin" --headless --quiet scenarios/three-nodes.json --parallel "$v" 2>"$dir/e"
    [ $? = 2 ] && grep -q "expected an integer 1..256, got '$v'" "$dir/e" && ok ||
        bad "--parallel $v: $(cat "$dir/e")"
done
"$bin" --headless --quiet scenarios/three-nodes.json --executor threads --parallel 2 2>"$dir/e"
[ $? = 2 ] && grep -q "not with --executor threads" "$dir/e" && ok || bad "threads: $(cat "$dir/e")"
finish
