#!/usr/bin/env bash
# bench_parallel.sh - the parallel virtual executor's speed-up, as issue 11
# states it: bench_virtual --parallel W N against bench_virtual N.
#
#   tests/bench/bench_parallel.sh [BENCH_VIRTUAL] [RUNS] [N] [W]
#
# BENCH_VIRTUAL defaults to build/tests/bench/bench_virtual, RUNS to 5, N to
# 10000 (nodes, 100 blocks), W to 2 (workers). One warm-up of each, then
# RUNS pairs in turn (1 worker, W workers, 1, W, ...) so that both see the
# same load. Each run is a whole process under GNU time (/usr/bin/time).
# Prints every run (wall, CPU = user + system, the 1-minute load average
# before it, and for W workers the per-phase line of sim_par_stats: the
# serial section's share and each worker's CPU), then the medians of wall
# and CPU, the ratio of the medians and the median of the pair-by-pair wall
# ratios with their range. On a machine other sessions load, read the CPU
# column: wall time there is mostly waiting for a CPU.
set -u
bench=${1:-build/tests/bench/bench_virtual}
runs=${2:-5}
n=${3:-10000}
w=${4:-2}
[ -x "$bench" ] || { echo "bench_parallel: no $bench (cmake --build build --target bench_virtual)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_parallel: needs /usr/bin/time (GNU time)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

one() { # WORKERS TAG: one run, "wall cpu" appended to $tmp/TAG
    local load out
    load=$(cut -d' ' -f1 /proc/loadavg)
    out=$( { /usr/bin/time -f "TIME %e %U %S" "$bench" --parallel "$1" "$n"; } 2>&1 )
    local t
    t=$(grep '^TIME' <<<"$out" | awk '{printf "%.2f %.2f", $2, $3 + $4}')
    [ -n "$t" ] || { echo "bench_parallel: run failed: $out" >&2; exit 1; }
    [ "$2" = warm ] && return
    echo "$t" >>"$tmp/$2"
    printf '%-3s workers %-2s wall %6s s  CPU %6s s  load %s\n' "$2" "$1" ${t} "$load"
    grep -E '^  wall .*serial' <<<"$out" | sed 's/^ */      /'
}

one 1 warm
one "$w" warm
for r in $(seq "$runs"); do
    one 1 seq
    one "$w" par
done

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for tag in seq par; do
    eval "${tag}_wall=$(cut -d' ' -f1 "$tmp/$tag" | median)"
    eval "${tag}_cpu=$(cut -d' ' -f2 "$tmp/$tag" | median)"
done
pairs=$(paste -d' ' <(cut -d' ' -f1 "$tmp/seq") <(cut -d' ' -f1 "$tmp/par") | awk '{printf "%.3f\n", $1 / $2}')
printf 'medians: 1 worker wall %s s CPU %s s | %s workers wall %s s CPU %s s\n' \
    "$seq_wall" "$seq_cpu" "$w" "$par_wall" "$par_cpu"
printf 'speed-up (wall): %.2fx of the medians, pair by pair median %.2fx (%s-%s); CPU ratio %.2fx\n' \
    "$(awk -v a="$seq_wall" -v b="$par_wall" 'BEGIN {print a / b}')" \
    "$(median <<<"$pairs")" "$(sort -n <<<"$pairs" | head -1)" "$(sort -n <<<"$pairs" | tail -1)" \
    "$(awk -v a="$par_cpu" -v b="$seq_cpu" 'BEGIN {print a / b}')"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
