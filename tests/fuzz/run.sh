#!/usr/bin/env bash
# run.sh - runs every libFuzzer harness on its corpus for a bounded time;
# every case fuzz_canon executes (its corpus, then what it generates) is
# then judged by Python (canon_check.py).
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_HARNESS]   (default 30)
#
# BUILD_DIR is a -DCHAINSIM_FUZZ=ON build. The committed corpus
# (tests/fuzz/corpus/<harness>/) is read, never written: new inputs go to a
# scratch directory. A crash, a leak or a broken property stops with exit 1
# and leaves the input in $FUZZ_ARTIFACTS (default: a directory under /tmp,
# printed); add it to the corpus as a regression case once fixed.
set -euo pipefail
BUILD=${1:?usage: run.sh BUILD_DIR [SECONDS]}
SECS=${2:-30}
HERE=$(cd "$(dirname "$0")" && pwd)
SCRATCH=$(mktemp -d /tmp/chainsim-fuzz-XXXXXX)
ARTIFACTS=${FUZZ_ARTIFACTS:-$SCRATCH/artifacts}
mkdir -p "$ARTIFACTS"
trap 'rm -rf "$SCRATCH/new" "$SCRATCH/cases.jsonl"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for corpus in "$HERE"/corpus/*/; do
    name=$(basename "$corpus")
    bin="$BUILD/tests/fuzz/$name"
    [ -x "$bin" ] || { echo "run.sh: $bin is missing (build with -DCHAINSIM_FUZZ=ON)"; exit 2; }
    mkdir -p "$SCRATCH/new/$name"
    echo "== $name: ${SECS} s"
    cases=""
    [ "$name" = fuzz_canon ] && cases="$SCRATCH/cases.jsonl"
    if ! CHAINSIM_CANON_CASES="$cases" "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
            -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$name-" \
            "$SCRATCH/new/$name" "$corpus" > "$SCRATCH/$name.log" 2>&1; then
        tail -40 "$SCRATCH/$name.log"
        echo "FAIL $name: the input is in $ARTIFACTS"
        failed=1
        continue
    fi
    grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$SCRATCH/$name.log" | tr '\n' ' '
    echo
done
# The differential: Python's json module on every case fuzz_canon ran.
echo "== fuzz_canon's cases against Python's json.dumps(obj, sort_keys=True)"
python3 "$HERE/canon_check.py" "$SCRATCH/cases.jsonl" || failed=1
[ "$failed" = 0 ] && echo "fuzz: every harness ran clean" && rm -rf "$SCRATCH"
exit "$failed"
