#!/usr/bin/env bash
# A sweep and a replicated scenario over MPI ranks (sweep/sweep_mpi.h):
# under `mpirun -np 2` and `-np 3` rank 0 prints every byte the single
# process prints (stdout and stderr) and writes the same --csv directory and
# --report file, the other ranks print nothing, and every rank exits with
# the single run's code; a single run stays on rank 0. Then the failures:
# a bad scenario, a file one rank cannot read and a file that differs on
# one rank stop every rank with exit 2 and one message from rank 0, within
# a time bound (no rank hangs).
# Arguments: the chainsim binary, and "mpi" if it was built with MPI.
# Exit 77 (ctest's skip) when mpirun is missing or the build has no MPI.
source "$(dirname "$0")/shell_common.sh" "$1"
source "$(dirname "$0")/mpi_common.sh" "${2:-}"

# same_as_single TAG NP CODE: rank 0 printed what the single run printed,
# the others nothing, every rank exited CODE.
same_as_single() {
    local tag=$1 np=$2 code=$3 r
    cmp -s "$dir/single.out" "$dir/$tag.out.0" && ok || bad "$tag: rank 0's stdout differs from the single run's"
    cmp -s "$dir/single.err" "$dir/$tag.err.0" && ok || bad "$tag: rank 0's stderr differs from the single run's"
    for ((r = 0; r < np; r++)); do
        [ "$(cat "$dir/$tag.rc.$r" 2>/dev/null)" = "$code" ] && ok ||
            bad "$tag: rank $r exited $(cat "$dir/$tag.rc.$r" 2>/dev/null) (not $code)"
        [ "$r" = 0 ] && continue
        [ -e "$dir/$tag.out.$r" ] && [ ! -s "$dir/$tag.out.$r" ] && [ ! -s "$dir/$tag.err.$r" ] && ok ||
            bad "$tag: rank $r printed something"
    done
}

# 1. a sweep of 3 points x 2 seeds whose rule fails at one point (exit 1,
#    the failures on stderr): 6 runs over 2 ranks (3 each) and 3 ranks
cat >"$dir/sweep.json" <<'JSON'
{"name": "mpi-sweep", "seed": 7, "nodes": 6, "mining": "auto",
 "chain": {"difficulty": 4, "block_interval_s": 10}, "links": {"latency_ms": 200},
 "duration_s": 400, "expect": {"blocks_mined": {"min": 30}},
 "sweep": {"vary": {"chain.block_interval_s": [5, 10, 20]}, "seeds": 2}}
JSON
"$bin" --headless "$dir/sweep.json" --csv "$dir/single.csv" --report "$dir/single.json" \
    >"$dir/single.out" 2>"$dir/single.err"
[ $? = 1 ] && ok || bad "the single sweep should exit 1 (the 20 s point mines too few blocks)"
grep -q "sweep point 3" "$dir/single.err" && ok || bad "the single sweep did not name the failing point"
for np in 2 3; do
    ranks "sweep$np" "$np" --headless "$dir/sweep.json" --csv "$dir/sweep$np.csv" --report "$dir/sweep$np.json"
    same_as_single "sweep$np" "$np" 1
    diff -r "$dir/single.csv" "$dir/sweep$np.csv" >/dev/null && ok || bad "sweep$np: --csv differs"
    cmp -s "$dir/single.json" "$dir/sweep$np.json" && ok || bad "sweep$np: --report differs"
done
[ "$(ls "$dir/sweep2.csv" | tr '\n' ' ')" = "summary.csv sweep.csv " ] && ok ||
    bad "the sweep's --csv should hold summary.csv and sweep.csv"

# 2. a replicated scenario (5 replicas, no sweep): the rows, summary.csv,
#    the stats table and the report, over 2 ranks
cat >"$dir/reps.json" <<'JSON'
{"name": "mpi-reps", "seed": 3, "nodes": 5, "mining": "auto", "replications": 5,
 "chain": {"difficulty": 4, "block_interval_s": 10}, "links": {"latency_ms": 100},
 "duration_s": 300, "expect": {"blocks_mined": {"min": 10}, "node_height": [{"min": 2}]}}
JSON
"$bin" --headless "$dir/reps.json" --csv "$dir/single.csv2" --report "$dir/single.json" \
    >"$dir/single.out" 2>"$dir/single.err"
[ $? = 0 ] && ok || bad "the single replicated run should exit 0"
ranks reps 2 --headless "$dir/reps.json" --csv "$dir/reps.csv" --report "$dir/reps.json.out"
same_as_single reps 2 0
diff -r "$dir/single.csv2" "$dir/reps.csv" >/dev/null && ok || bad "reps: --csv differs"
cmp -s "$dir/single.json" "$dir/reps.json.out" && ok || bad "reps: --report differs"
[ "$(ls "$dir/reps.csv" | tr '\n' ' ')" = "summary.csv sweep.csv " ] && ok ||
    bad "the replicated --csv should hold summary.csv and sweep.csv"

# 2b. a single run (no sweep, one replica) is not spread: rank 0 makes it
#     alone, prints its summary and writes its --csv tables as the single
#     process does, and says so on stderr; the other rank stays silent (the
#     summary names the --csv directory: both runs write to the same one)
cat >"$dir/one.json" <<'JSON'
{"name": "mpi-one", "seed": 4, "nodes": 4, "mining": "auto",
 "chain": {"difficulty": 4, "block_interval_s": 10}, "links": {"latency_ms": 100},
 "duration_s": 200, "expect": {"blocks_mined": {"min": 5}}}
JSON
"$bin" --headless "$dir/one.json" --csv "$dir/single.csv3" >"$dir/single.out" 2>"$dir/single.err"
[ $? = 0 ] && ok || bad "the single run should exit 0"
mv "$dir/single.csv3" "$dir/single.one"
ranks one 2 --headless "$dir/one.json" --csv "$dir/single.csv3"
nowall() { sed -E 's/wall [0-9.]+ s/wall/' "$1"; } # the one figure of the clock
cmp -s <(nowall "$dir/single.out") <(nowall "$dir/one.out.0") && ok ||
    bad "one: rank 0's summary differs from the single run's"
diff -r "$dir/single.one" "$dir/single.csv3" >/dev/null && ok || bad "one: --csv differs"
grep -q '^chainsim: note: a single run is not spread over MPI ranks; rank 0 makes it alone' \
    "$dir/one.err.0" && ok || bad "one: rank 0 should say the run is not spread"
[ "$(cat "$dir/one.rc.0") $(cat "$dir/one.rc.1")" = "0 0" ] && ok || bad "one: every rank should exit 0"
[ ! -s "$dir/one.out.1" ] && [ ! -s "$dir/one.err.1" ] && ok || bad "one: rank 1 printed something"

# 3. a bad sweep point: every rank exits 2, rank 0 says why as the single
#    run does, nobody waits for the others
cat >"$dir/bad.json" <<'JSON'
{"name": "bad", "nodes": 3, "sweep": {"vary": {"chain.block_interval_s": [1, 0]}}}
JSON
"$bin" --headless "$dir/bad.json" >"$dir/single.out" 2>"$dir/single.err"
[ $? = 2 ] && ok || bad "the bad sweep should exit 2"
grep -q 'sweep point 2 (chain.block_interval_s=0)' "$dir/single.err" && ok ||
    bad "the bad sweep's message does not locate the point"
ranks bad 2 --headless "$dir/bad.json"
same_as_single bad 2 2
timeout 120 mpirun -np 2 --oversubscribe "$bin" --headless "$dir/bad.json" >/dev/null 2>&1
code=$?
[ "$code" = 2 ] && ok || bad "mpirun should exit 2, not $code (124: a rank hung)"

# 4. one rank cannot read the file (as on a cluster node without it): the
#    others do not hang; rank 0 names the rank, its host and the reason
mkdir -p "$dir/a" "$dir/b"
cp "$dir/sweep.json" "$dir/a/s.json"
mpmd() { # TAG: rank 0 in $dir/a, rank 1 in $dir/b, the same arguments
    local cmd='"$0" "$@" >"$T.out.$OMPI_COMM_WORLD_RANK" 2>"$T.err.$OMPI_COMM_WORLD_RANK";
               echo $? >"$T.rc.$OMPI_COMM_WORLD_RANK"'
    timeout 120 mpirun --oversubscribe \
        -np 1 -x T="$dir/$1" -wdir "$dir/a" sh -c "$cmd" "$bin" --headless --quiet s.json : \
        -np 1 -x T="$dir/$1" -wdir "$dir/b" sh -c "$cmd" "$bin" --headless --quiet s.json \
        >"$dir/$1.mpirun" 2>&1
}
mpmd missing
grep -Eq '^chainsim: rank 1 \([^)]+\): s\.json: cannot read: No such file' "$dir/missing.err.0" && ok ||
    bad "rank 0 should report rank 1's unreadable file: $(cat "$dir/missing.err.0")"
[ "$(cat "$dir/missing.rc.0") $(cat "$dir/missing.rc.1")" = "2 2" ] && ok || bad "missing: every rank should exit 2"
[ ! -s "$dir/missing.err.1" ] && ok || bad "missing: rank 1 should leave the telling to rank 0"

# 5. rank 1's file differs (another version on another machine)
sed 's/"seeds": 2/"seeds": 3/' "$dir/sweep.json" >"$dir/b/s.json"
mpmd differ
grep -q '^chainsim: rank 1 read other bytes from s.json than rank 0' "$dir/differ.err.0" && ok ||
    bad "rank 0 should report rank 1's other file: $(cat "$dir/differ.err.0")"
[ "$(cat "$dir/differ.rc.0") $(cat "$dir/differ.rc.1")" = "2 2" ] && ok || bad "differ: every rank should exit 2"

finish
