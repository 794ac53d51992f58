#!/usr/bin/env bash
# bench_mpi_partition.sh - one run on 1 MPI rank and split over K ranks
# (--ranks-partition, sim/exec_mpi.c).
#
#   tests/bench/bench_mpi_partition.sh [CHAINSIM_BINARY] [K] [RUNS] [SCENARIO ARGS...]
#
# Runs SCENARIO (default the 10,000-node 2019 network, bitcoin-2019-10k.json:
# 100 blocks, stop height 101) RUNS times (default 3) each way,
# alternating `mpirun -np 1` and `mpirun -np K` (default 2), and the
# sequential run without mpirun once first. Prints, per run, the run's own
# wall time (the summary's, without mpirun's start), each rank's CPU time
# (GNU time), the load average, and whether the summary's bytes (wall
# aside) were the sequential run's; then the medians, the speed-up of the
# medians and pair by pair. Run it under flock on a shared machine.
set -euo pipefail
BIN=$(cd "$(dirname "${1:-build/chainsim}")" && pwd)/$(basename "${1:-build/chainsim}")
K=${2:-2}
RUNS=${3:-3}
shift $(($# < 3 ? $# : 3))
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(scenarios/validation/bitcoin-2019-10k.json)
command -v mpirun > /dev/null || { echo "bench_mpi_partition: needs mpirun"; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
WORK=$(mktemp -d /tmp/chainsim-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
nowall() { sed -E 's/wall [0-9.]+ s\)$/wall)/' "$1"; }
wall_of() { grep -oE 'wall [0-9.]+ s\)$' "$1" | grep -oE '[0-9.]+'; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

"$BIN" --headless "${ARGS[@]}" > "$WORK/seq.out" 2> /dev/null || true
echo "sequential (no mpirun): wall $(wall_of "$WORK/seq.out") s, load $(cut -d' ' -f1-3 /proc/loadavg)"
once() { # NP TAG -> the run's wall seconds; prints a line
    local np=$1 tag=$2 cpu
    timeout 900 mpirun -np "$np" --oversubscribe -x T="$WORK/$tag" sh -c \
        '/usr/bin/time -f "%U %S" -o "$T.time.$OMPI_COMM_WORLD_RANK" "$0" "$@" > "$T.out.$OMPI_COMM_WORLD_RANK" 2> /dev/null; exit 0' \
        "$BIN" --headless --ranks-partition "${ARGS[@]}" > /dev/null 2>&1 || true
    cpu=$(for f in "$WORK/$tag".time.*; do tail -1 "$f" | awk '{printf "%.2f ", $1 + $2}'; done)
    local same=same
    cmp -s <(nowall "$WORK/seq.out") <(nowall "$WORK/$tag.out.0") || same=DIFFERENT
    echo "  np $np: wall $(wall_of "$WORK/$tag.out.0") s, CPU per rank $cpu s, load $(cut -d' ' -f1 /proc/loadavg), summary $same" >&2
    wall_of "$WORK/$tag.out.0"
}
echo "${ARGS[*]}: $RUNS runs each, 1 rank vs $K, alternating ($(date -u +%FT%TZ))"
for ((i = 0; i < RUNS; i++)); do
    once 1 "one$i" >> "$WORK/one.t"
    once "$K" "k$i" >> "$WORK/k.t"
done
one=$(median < "$WORK/one.t")
k=$(median < "$WORK/k.t")
pairs=$(paste "$WORK/one.t" "$WORK/k.t" | awk '{printf "%.2f ", $1 / $2}')
printf 'medians: 1 rank %.3f s, %d ranks %.3f s, speed-up %.2fx (pair by pair: %s)\n' \
    "$one" "$K" "$k" "$(awk -v a="$one" -v b="$k" 'BEGIN {print a / b}')" "$pairs"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
