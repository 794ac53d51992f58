#!/usr/bin/env bash
# The field reference docs/scenario-fields.md is what `chainsim
# --scenario-fields` prints from the reader's field tables (src/scenario/):
# a field added, removed or changed in a table without regenerating the page
# fails here, with the difference. Regenerate with
#     build/chainsim --scenario-fields > docs/scenario-fields.md
set -u
bin="$1"
got=$(mktemp)
trap 'rm -f "$got"' EXIT
"$bin" --scenario-fields >"$got" || { echo "FAIL: --scenario-fields exited $?"; exit 1; }
if ! diff -u docs/scenario-fields.md "$got"; then
    echo "FAIL: docs/scenario-fields.md differs from the field tables (the diff above);"
    echo "      regenerate it: $bin --scenario-fields > docs/scenario-fields.md"
    exit 1
fi
echo "ok: docs/scenario-fields.md matches the field tables"
