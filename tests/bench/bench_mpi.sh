#!/usr/bin/env bash
# bench_mpi.sh - a sweep on 1 MPI rank and on K ranks (sweep/sweep_mpi.h).
#
#   tests/bench/bench_mpi.sh [CHAINSIM_BINARY] [SCENARIO] [K] [RUNS]
#
# Runs SCENARIO (default the shipped stale-vs-interval sweep, 8 runs) RUNS
# times (default 5) each way, alternating: `mpirun -np 1` and `mpirun -np K`
# (default 2), one worker thread per rank (--workers 1), so the ranks are
# the only parallelism. Prints the median wall time of each, the speed-up,
# the load average before and after (on a shared machine it says how much
# the figures mean), and whether the two tables were the same bytes.
set -euo pipefail
BIN=${1:-build/chainsim}
SCN=${2:-scenarios/sweeps/stale-vs-interval.json}
K=${3:-2}
RUNS=${4:-5}
command -v mpirun > /dev/null || { echo "bench_mpi: needs mpirun (apt-get install openmpi-bin)"; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
WORK=$(mktemp -d /tmp/chainsim-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

once() { # NP OUT -> seconds of wall time
    local t0 t1
    t0=$(date +%s.%N)
    timeout 600 mpirun -np "$1" --oversubscribe "$BIN" --headless --workers 1 "$SCN" > "$2" 2> /dev/null || true
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 0; i < RUNS; i++)); do
    once 1 "$WORK/one.out" >> "$WORK/one.t"
    once "$K" "$WORK/k.out" >> "$WORK/k.t"
done
one=$(median < "$WORK/one.t")
k=$(median < "$WORK/k.t")
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s, %d runs each, --workers 1 per rank:\n' "$SCN" "$RUNS"
printf '  1 rank:  %.2f s (median)\n  %d ranks: %.2f s (median)\n  speed-up %.2fx\n' \
    "$one" "$K" "$k" "$(awk -v a="$one" -v b="$k" 'BEGIN {print a / b}')"
cmp -s "$WORK/one.out" "$WORK/k.out" && echo "  tables: the same bytes" || echo "  tables: DIFFERENT"
