#!/usr/bin/env bash
# Every malformed scenario in tests/scenarios_bad/ is refused by the real
# binary: exit code 2, nothing on stdout (nothing ran), and exactly the
# expected one-line message on stderr. Also bad command lines.
set -u
bin="$1"
pass=0; fail=0
check() { # name, expected exit, expected stderr (exact), args...
    local name="$1" want_code="$2" want_err="$3"; shift 3
    local out err code
    out=$("$bin" "$@" 2>/tmp/cli_err.$$); code=$?
    err=$(cat /tmp/cli_err.$$)
    if [ "$code" != "$want_code" ] || [ -n "$out" ] || [ "$err" != "$want_err" ]; then
        echo "FAIL $name: exit $code (want $want_code)"
        echo "  stderr: $err"
        echo "  want:   $want_err"
        [ -n "$out" ] && echo "  stdout was not empty: ${out:0:200}"
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}
for f in tests/scenarios_bad/*.json; do
    check "$f" 2 "chainsim: $(cat "${f%.json}.expected")" --headless "$f"
done
check missing-file 2 "chainsim: no/such.json: cannot read: No such file or directory" --headless no/such.json
check bad-executor 2 "chainsim: --executor: expected 'virtual' or 'threads', got 'fast'" --headless --executor fast
check bad-seed 2 "chainsim: --seed: expected a non-negative integer, got '-1'" --headless --seed -1
check bad-speed 2 "chainsim: --speed: expected a number in (0, 1e6], got '0'" --headless --speed 0
check bad-until 2 "chainsim: --until: expected seconds > 0, got 'soon'" --headless --until soon
check bad-workers 2 "chainsim: --workers: expected an integer 1..256, got '0'" --headless --workers 0
check bad-workers-frac 2 "chainsim: --workers: expected an integer 1..256, got '1.5'" --headless --workers 1.5
check bad-parallel 2 "chainsim: --parallel: expected an integer 1..256, got '257'" --headless --parallel 257
check bad-http 2 "chainsim: --http: expected a port 0..65535, got '65536'" --headless --http 65536
check bad-fps 2 "chainsim: --fps: expected an integer 1..50, got '0'" --fps 0 --record x.gif
check sweep-threads 2 "chainsim: scenarios/sweeps/stale-vs-interval.json is a sweep: it runs in virtual time, without --executor threads, --http, --trace, --until, --screenshot or --record" --headless scenarios/sweeps/stale-vs-interval.json --executor threads
check two-files 2 "chainsim: unexpected argument 'b.json' (one scenario file at a time)" --headless a.json b.json
rm -f /tmp/cli_err.$$
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
