#!/usr/bin/env bash
# One run split over MPI ranks (--ranks-partition, sim/exec_mpi.c): under
# `mpirun -np 2` (and 3) rank 0 prints and writes what the single process
# does, byte for byte - the report, the trace, the CSV tables, the summary
# (its wall-clock figure aside), stderr and the exit code - and so does
# --parallel 2; the other ranks print nothing and exit with the same code.
# Cases: the scaled-down 2015 Bitcoin network (600 nodes, stop height 31)
# at seeds 1 and 2, partition-heal (hash power changed for every node at
# once), a 16-node run with every other kind of event, with compact
# relay; then transactions crossing ranks: busy-network (traffic),
# fork-race (a tx event) and a 24-node run with traffic, tx events (one
# refused), compact relay (blocks rebuilt from mempools), a partition, a
# crash and loss. Then the refusals, on every rank, with rank 0 saying
# why: a scenario with attackers, links without latency, a replicated
# scenario, and --parallel with it.
# Arguments: the chainsim binary, and "mpi" if it was built with MPI.
# Exit 77 (ctest's skip) when mpirun is missing or the build has no MPI.
source "$(dirname "$0")/shell_common.sh" "$1"
source "$(dirname "$0")/mpi_common.sh" "${2:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"

nowall() { sed -E 's/wall [0-9.]+ s\)$/wall)/' "$1"; }

# single TAG ARGS...: one process; its files under $dir/TAG.*
single() {
    local tag=$1
    shift
    "$bin" --headless "$@" --report "$dir/$tag.report.json" --trace "$dir/$tag.trace.jsonl" \
        --csv "$dir/$tag.csv" >"$dir/$tag.out.0" 2>"$dir/$tag.err.0"
    echo $? >"$dir/$tag.rc.0"
}
mpi_timeout=300 # the partitioned runs are longer
# same NAME TAG NP: TAG's files (rank 0's) equal NAME.seq's; its other
# ranks printed nothing and exited with the same code.
same() {
    local name=$1 tag=$2 np=$3 f r code
    code=$(cat "$dir/$name.seq.rc.0")
    for f in report.json trace.jsonl; do
        cmp -s "$dir/$name.seq.$f" "$dir/$tag.$f" || { bad "$tag: $f differs"; return; }
    done
    cmp -s <(nowall "$dir/$name.seq.out.0") <(nowall "$dir/$tag.out.0") ||
        { bad "$tag: the summary differs"; return; }
    cmp -s "$dir/$name.seq.err.0" "$dir/$tag.err.0" ||
        { bad "$tag: stderr differs: $(head -c 400 "$dir/$tag.err.0")"; return; }
    diff -r "$dir/$name.seq.csv" "$dir/$tag.csv" >/dev/null || { bad "$tag: the CSV tables differ"; return; }
    for ((r = 0; r < np; r++)); do
        [ "$(cat "$dir/$tag.rc.$r" 2>/dev/null)" = "$code" ] ||
            { bad "$tag: rank $r exited $(cat "$dir/$tag.rc.$r" 2>/dev/null), not $code"; return; }
        if [ "$r" != 0 ] && { [ -s "$dir/$tag.out.$r" ] || [ -s "$dir/$tag.err.$r" ]; }; then
            bad "$tag: rank $r printed something"
            return
        fi
    done
    ok
}
# check NAME NPS ARGS...: the single run, --parallel 2, and --ranks-partition
# at each of NPS ranks ("2" or "2 3").
check() {
    local name=$1 nps=$2 np
    shift 2
    single "$name.seq" "$@"
    [ -s "$dir/$name.seq.trace.jsonl" ] && grep -q "^chainsim: " "$dir/$name.seq.out.0" ||
        bad "$name: the single run wrote no trace or no summary"
    single "$name.par" "$@" --parallel 2
    same "$name" "$name.par" 1
    for np in $nps; do
        ranks "$name.np$np" "$np" --headless "$@" --ranks-partition \
            --report "$dir/$name.np$np.report.json" --trace "$dir/$name.np$np.trace.jsonl" \
            --csv "$dir/$name.np$np.csv"
        same "$name" "$name.np$np" "$np"
    done
    rm -rf "$dir/$name".*
}

# 1. block-only runs, byte for byte
check btc-s1 "2 3" "$root/scenarios/validation/bitcoin-2015-small.json" --seed 1
check btc-s2 2 "$root/scenarios/validation/bitcoin-2015-small.json" --seed 2
check heal 2 "$root/scenarios/partition-heal.json"
cat >"$dir/scn-events.json" <<'JSON'
{"name": "mpi-events", "seed": 5, "nodes": 16, "topology": {"type": "random", "k": 3},
 "links": {"latency_ms": 80}, "relay": {"compact": {"failure_rate": 0.3}},
 "chain": {"difficulty": 8, "block_interval_s": 20, "block_bytes": 200000},
 "mining": "auto", "duration_s": 900,
 "events": [
   {"at": 30, "do": "partition", "halves": true}, {"at": 200, "do": "heal"},
   {"at": 250, "do": "crash", "node": 3}, {"at": 260, "do": "isolate", "node": 12},
   {"at": 300, "do": "mine", "node": 9}, {"at": 300, "do": "mine", "node": 2},
   {"at": 340, "do": "restart", "node": 3}, {"at": 350, "do": "reconnect", "node": 12},
   {"at": 400, "do": "links", "latency_ms": 40, "loss": 0.05},
   {"at": 450, "do": "resolve", "node": 14},
   {"at": 460, "do": "register", "node": 1, "peers": [10, 11]},
   {"at": 500, "do": "hash_power", "node": 10, "value": 5},
   {"at": 700, "do": "hash_power", "value": 0}],
 "expect": {"converged": true}}
JSON
check events "2 3" "$dir/scn-events.json"
check events-s2 2 "$dir/scn-events.json" --seed 2

# 2. transactions cross ranks as their canonical JSON
check busy "2 3" "$root/scenarios/busy-network.json"
check fork-race 2 "$root/scenarios/fork-race.json"
cat >"$dir/scn-tx.json" <<'JSON'
{"name": "mpi-tx-compact", "seed": 7, "nodes": 24, "topology": {"type": "random", "k": 3},
 "links": {"latency_ms": {"min": 30, "max": 200}, "upload_bps": 5000000},
 "relay": {"compact": {"failure_rate": 0.2}},
 "chain": {"difficulty": 8, "block_interval_s": 15,
   "genesis": {"balances": {"node0": 500, "node1": 500, "node2": 500, "node13": 500, "node20": 500}}},
 "mining": "auto", "traffic": {"tx_per_s": 3, "max_amount": 40}, "duration_s": 600,
 "events": [
   {"at": 5, "do": "tx", "node": "node0", "from": "node0", "to": "node23", "amount": 7},
   {"at": 5, "do": "tx", "node": "node23", "from": "node23", "to": "node0", "amount": 9000},
   {"at": 100, "do": "partition", "halves": true}, {"at": 200, "do": "heal"},
   {"at": 250, "do": "crash", "node": 15}, {"at": 320, "do": "restart", "node": 15},
   {"at": 400, "do": "links", "loss": 0.03}, {"at": 540, "do": "hash_power", "value": 0}]}
JSON
# The case means something only if a node of rank 1's half (12-23 at 2
# ranks) accepts a transaction from a peer on rank 0's (0-11): the single
# run's trace must show one, and the split runs' traces equal it.
single tx-probe "$dir/scn-tx.json"
if grep -qE '"ev": "tx_accepted", "node": (1[2-9]|2[0-3]), "peer": ([0-9]|1[01]),' "$dir/tx-probe.trace.jsonl" &&
    grep -qF '"reason": "tx_unknown_sender"' "$dir/tx-probe.trace.jsonl"; then
    ok
else
    bad "scn-tx: no transaction crosses the halves, or the tx event is not refused"
fi
rm -rf "$dir"/tx-probe.*
check tx "2 3" "$dir/scn-tx.json"
check tx-s2 2 "$dir/scn-tx.json" --seed 2

# 3. refused, on every rank (exit 2), rank 0 saying why, the others silent
# refused TAG MESSAGE ARGS...
refused() {
    local tag=$1 msg=$2
    shift 2
    ranks "$tag" 2 --headless --ranks-partition "$@"
    [ "$(cat "$dir/$tag.rc.0" 2>/dev/null) $(cat "$dir/$tag.rc.1" 2>/dev/null)" = "2 2" ] ||
        { bad "$tag: every rank should exit 2"; return; }
    grep -qF -- "$msg" "$dir/$tag.err.0" || { bad "$tag: rank 0 should say '$msg': $(cat "$dir/$tag.err.0")"; return; }
    [ ! -s "$dir/$tag.out.0" ] && [ ! -s "$dir/$tag.out.1" ] && [ ! -s "$dir/$tag.err.1" ] ||
        { bad "$tag: printed more than the refusal"; return; }
    ok
}
refused attackers "--ranks-partition cannot split this run yet: it carries blocks and transactions between MPI ranks, not attackers" \
    "$root/scenarios/attacks/eclipse.json"
cat >"$dir/zero.json" <<'JSON'
{"name": "zero-latency", "seed": 3, "nodes": 6, "topology": {"type": "mesh"},
 "links": {"latency_ms": 0}, "chain": {"block_interval_s": 2}, "mining": "auto", "duration_s": 60}
JSON
refused zero "zero.json: --ranks-partition: links without latency leave no lookahead, so the nodes cannot be split over ranks" \
    "$dir/zero.json"
refused replicated "--ranks-partition splits one run over the ranks" \
    "$root/scenarios/validation/stale-rate-small-x.json"
refused parallel "--ranks-partition runs the virtual executor headless: not with --parallel" \
    "$root/scenarios/partition-heal.json" --parallel 2

finish
