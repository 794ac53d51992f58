# shell_common.sh - the prologue of the tests/cli_*.sh scripts that count
# checks. Source it with the script's first argument:
#     source "$(dirname "$0")/shell_common.sh" "$1"
# It sets bin (the chainsim binary) and dir (a scratch directory, removed at
# exit), and defines ok / bad MESSAGE to count a check and finish to print
# "N passed, N failed" (the closing line CI reads) and return the verdict.
# (Not named cli_*.sh: that glob is the list of test scripts.)
set -u
bin="$1"
dir=$(mktemp -d)
trap 'chmod -R u+w "$dir" 2>/dev/null; rm -rf "$dir"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
