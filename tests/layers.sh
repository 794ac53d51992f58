#!/usr/bin/env bash
# layers.sh - the include graph keeps the shape docs/architecture.md draws.
#
#  1. No include points up the layers: a file of src/<folder>/ includes only
#     its own folder and the folders below it,
#         util < chain < net < node < scenario < sim < out < sweep < {http, view} < main
#     (http and view are side by side: neither includes the other).
#  2. struct node is opaque outside src/node/: it is defined in
#     src/node/node_int.h and nowhere else, and no file outside src/node/
#     includes node_int.h or attack/ (the only way to its fields; without
#     them the compiler refuses n->field). Outside, a node is read through
#     its snapshot and the accessors of node.h.
#     The one exception is tests/test_node.c, the node module's own
#     white-box test; a new exception must be added here, on purpose.
#
# Run from the repository root (ctest does); prints each violation and
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 2
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

rank() {
    case "$1" in
    util) echo 0 ;; chain) echo 1 ;; net) echo 2 ;; node) echo 3 ;;
    scenario) echo 4 ;; sim) echo 5 ;; out) echo 6 ;; sweep) echo 7 ;;
    http | view) echo 8 ;; main) echo 9 ;; *) echo -1 ;;
    esac
}

# 1. Every project include of every source file, against its folder's rank.
up=0
while IFS= read -r file; do
    rel=${file#src/}
    case "$rel" in */*) own=${rel%%/*} ;; *) own=main ;; esac
    mine=$(rank "$own")
    if [ "$mine" -lt 0 ]; then
        bad "$file: folder $own has no place in the layers (add it to tests/layers.sh and docs/architecture.md)"
        up=1
        continue
    fi
    while IFS= read -r dep; do
        [ "$dep" = "$own" ] && continue
        theirs=$(rank "$dep")
        if [ "$theirs" -lt 0 ] || [ "$theirs" -ge "$mine" ]; then
            bad "$file includes $dep/ (a layer not below $own/)"
            up=1
        fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p' "$file" | sort -u)
done < <(find src -name '*.[ch]' | sort)
[ "$up" -eq 0 ] && ok

# 2a. The definition of struct node lives in node_int.h only.
defs=$(grep -rlE '^[[:space:]]*(typedef[[:space:]]+)?struct[[:space:]]+node[[:space:]]*\{' src tests | sort)
if [ "$defs" = "src/node/node_int.h" ]; then ok; else bad "struct node is defined in: ${defs:-nowhere} (want src/node/node_int.h only)"; fi

# 2b. Nothing outside src/node/ includes its private headers.
private=$(grep -rlE '#[[:space:]]*include[[:space:]]*"(node/node_int\.h|node/attack/)' src tests \
          | grep -v '^src/node/' | grep -vx 'tests/test_node.c' | sort)
if [ -z "$private" ]; then ok; else
    for f in $private; do bad "$f includes a header private to src/node/ (read the snapshot or node.h's accessors)"; done
fi

# 2c. And node.h itself declares the type without its fields.
if grep -qE '^typedef struct node node;' src/node/node.h; then ok; else bad "src/node/node.h does not declare node opaque"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
