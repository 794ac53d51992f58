#!/usr/bin/env bash
# Every JSON answer of the HTTP face, byte for byte: a real `chainsim node`
# on loopback (and a second one as its peer, and a fake peer that serves a
# broken chain) is asked every endpoint, read and action, and a battery of
# refusals; each answer's status, type and body is compared with
# tests/golden/http_answers.txt. What differs from run to run is replaced
# before the comparison, and only that: the ports, block and transaction
# timestamps (ms of wall-clock sim time), proofs, the hashes they change
# (each numbered by first appearance, so equal hashes stay visibly equal)
# and sim_time. Names and ids carry `"`, `\` and non-ASCII, and a URL a
# control character, so the escaping is pinned too; every JSON body must
# parse, and the odd strings must come back exactly as they were sent.
#
# A change of answer that is intended is made by regenerating the file:
#     bash tests/cli_http_answers.sh build/chainsim --update
# in a commit of its own that says what changed and why.
set -euo pipefail
BIN=$1
MODE=${2:-check}
GOLDEN=tests/golden/http_answers.txt
source "$(dirname "$0")/http_common.sh"

# A peer that answers GET /chain with valid JSON that is not a chain, and
# 501 to the relays (http.server knows no POST): a refusal with a fixed reason.
mkdir -p "$WORK/fake"
printf '{"chain": 5}' > "$WORK/fake/chain"
python3 -c '
import http.server, functools, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
h.log_message = lambda *a: None
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
print("http://127.0.0.1:%d" % s.server_address[1], flush=True)
s.serve_forever()' "$WORK/fake" > "$WORK/fake.out" 2> "$WORK/fake.err" &
PIDS+=($!)
for i in $(seq 1 100); do
    F=$(head -1 "$WORK/fake.out" 2> /dev/null || true)
    [ -n "$F" ] && break
    sleep 0.05
done
[ -n "$F" ] || fail "the fake peer did not start"

# A name with a quote and a backslash (allowed by the name rule, and in the
# ids NAME-N of its rewards and transactions, which must be printable ASCII).
NAME='al"i\ce'
start_node A --name "$NAME"
start_node B --name bob

RAW="$WORK/raw.txt"
: > "$RAW"
# ask LABEL CURL-ARGS...: appends "== LABEL", "STATUS TYPE [-> LOCATION]" and the body.
ask() {
    local label=$1
    shift
    printf '== %s\n' "$label" >> "$RAW"
    curl -s -m 30 -o "$WORK/body" -w '%{http_code} %{content_type}|%{redirect_url}' "$@" > "$WORK/meta"
    local meta loc
    meta=$(cat "$WORK/meta")
    loc=${meta#*|}
    printf '%s%s\n' "${meta%%|*}" "${loc:+ -> $loc}" >> "$RAW"
    cat "$WORK/body" >> "$RAW"
    printf '\n' >> "$RAW"
}
json() { ask "$1 $2 json $3" -X POST -H 'Content-Type: application/json' --data-binary "$3" "$A$2"; }
form() { ask "$1 $2 form $3" -X POST --data-binary "$3" "$A$2"; }

GENESIS=0000ea8562570c51773f54f97e1dd61131092b841b3f8e4592600791124fe4d8
# Reads of a fresh node.
ask "GET /chain" "$A/chain"
ask "GET /nodes" "$A/nodes"
ask "GET /mempool" "$A/mempool"
ask "GET /balances" "$A/balances"
ask "GET /block/genesis" "$A/block/$GENESIS"
ask "GET /block/short" "$A/block/00ff"
ask "GET /block/unknown" "$A/block/$(printf '%064d' 0)"
ask "POST /block/genesis" -X POST "$A/block/$GENESIS"
ask "GET /nowhere" "$A/nowhere"
ask "DELETE /chain" -X DELETE "$A/chain"
ask "GET /mine" "$A/mine"
ask "GET /static/missing.js" "$A/static/missing.js"

# Transactions: odd ids and names, then every refusal of a body or field.
json tx1 /add_transaction '{"sender": "q\"uo\\te", "receiver": "ünï©ode", "amount": 5, "id": "id\"\\x"}'
form tx2 /add_transaction 'sender=alice&receiver=bob&amount=7&id=form-1'
ask "tx3 /add_transaction form+accept" -X POST -H 'Accept: application/json' \
    --data-binary 'sender=carol&receiver=dave&amount=%2B9' "$A/add_transaction"
json tx-missing /add_transaction '{"sender": "alice", "amount": 5}'
json tx-type /add_transaction '{"sender": "alice", "receiver": "bob", "amount": "5"}'
json tx-fraction /add_transaction '{"sender": "alice", "receiver": "bob", "amount": 1.5}'
json tx-zero /add_transaction '{"sender": "alice", "receiver": "bob", "amount": 0}'
json tx-huge /add_transaction '{"sender": "alice", "receiver": "bob", "amount": 1e300}'
json tx-space /add_transaction '{"sender": "alice ", "receiver": "bob", "amount": 1}'
json tx-long /add_transaction "{\"sender\": \"$(printf 'x%.0s' $(seq 1 65))\", \"receiver\": \"bob\", \"amount\": 1}"
json tx-control /add_transaction '{"sender": "a\u0001b", "receiver": "bob", "amount": 1}'
json tx-badid /add_transaction '{"sender": "alice", "receiver": "bob", "amount": 1, "id": "é"}'
json tx-dup /add_transaction '{"sender": "alice", "receiver": "bob", "amount": 1, "id": "form-1"}'
json tx-nul /add_transaction '{"sender": "a\u0000b", "receiver": "bob", "amount": 1}'
json tx-array /add_transaction '[1]'
json tx-trailing /add_transaction '{"sender": "alice"} x'
json tx-empty /add_transaction ''
form tx-form-escape /add_transaction 'sender=%zz&receiver=bob&amount=1'
form tx-form-amount /add_transaction 'sender=alice&receiver=bob&amount=5x'
ask "tx-type /add_transaction text/plain" -X POST -H 'Content-Type: text/plain' -H 'Accept: application/json' \
    --data-binary 'x' "$A/add_transaction"
head -c 1048577 /dev/zero | tr '\0' 'a' > "$WORK/big"
ask "tx-big /add_transaction json 1 MiB + 1" -X POST -H 'Content-Type: application/json' \
    --data-binary "@$WORK/big" "$A/add_transaction"
ask "GET /mempool" "$A/mempool"

# A block, and what the reads say then.
ask "POST /mine json" -X POST -H 'Accept: application/json' "$A/mine"
json mine-bad /mine '{"x": 01}'
ask "GET /chain" "$A/chain"
ask "GET /mempool" "$A/mempool"
ask "GET /balances" "$A/balances"
TIP=$(tip "$A")
ask "GET /block/tip" "$A/block/$TIP"

# Peers: the real one, the fake one, and URLs that are refused.
json reg1 /register_node "{\"node\": \"$B\"}"
form reg2 /register_node "node=$F"
json reg-control /register_node '{"node": "http://a\u0001b"}'
form reg-utf8 /register_node 'node=http://%ff%fe.example'
json reg-self /register_node "{\"node\": \"$A\"}"
json reg-path /register_node '{"nodes": ["http://127.0.0.1:1/x"]}'
json reg-type /register_node '{"node": 5}'
json reg-list /register_node '{"nodes": 5}'
json reg-none /register_node '{}'
ask "GET /nodes" "$A/nodes"

# A second block reaches B by a push; /consensus refuses the fake chain.
ask "POST /mine form" -X POST "$A/mine"
ask "POST /consensus json" -X POST -H 'Accept: application/json' "$A/consensus"

# Relays, as another process sends them.
RELAY_TX='{"amount": 3, "id": "relay-\"1\\", "receiver": "bob", "sender": "é\"\\", "timestamp": 5}'
ask "POST /relay/tx" -X POST -H 'Content-Type: application/json' -H "X-Chainsim-Origin: $B" \
    --data-binary "$RELAY_TX" "$A/relay/tx"
ask "POST /relay/tx bad" -X POST -H 'Content-Type: application/json' --data-binary '{"amount": 3}' "$A/relay/tx"
ask "POST /relay/tx form" -X POST --data-binary 'a=1' "$A/relay/tx"
ask "POST /relay/block bad" -X POST -H 'Content-Type: application/json' \
    --data-binary '{"index": 2, "previous_hash": "0"}' "$A/relay/block"
BLOCK=$(curl -s "$A/chain" | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["chain"][1]))')
ask "POST /relay/block known" -X POST -H 'Content-Type: application/json' \
    --data-binary "$BLOCK" "$A/relay/block"

# The transport settles (the pushes to B answered, the fake's 501s) before
# its counters are read.
settled() {
    curl -s -m 10 "$A/status" | python3 -c 'import json, sys
s = json.load(sys.stdin)
sys.exit(0 if all(t["in_flight"] == 0 and t["pushes_queued"] == 0 and t["pulls_queued"] == 0
                  for t in s["transport"]) and s["mempool_size"] == 1 else 1)'
}
wait_for settled || fail "the transport did not settle"
wait_for test "$(tip "$B")" = "$(tip "$A")" || fail "B did not follow A"
ask "GET /status" "$A/status"
ask "GET /nodes B" "$B/nodes"
ask "GET /balances B" "$B/balances"

python3 - "$RAW" "$WORK/got.txt" "$A" "$B" "$F" "$NAME" << 'EOF'
import json, re, sys
raw, out, a, b, f, name = sys.argv[1:]
text = open(raw, encoding="utf-8", errors="surrogateescape").read()

# Every JSON body parses, and the odd strings come back as they were sent.
parsed = {}
for block in text.split("== ")[1:]:
    label, meta, body = block.split("\n", 2)
    if "application/json" in meta:
        try:
            parsed[label] = json.loads(body)  # the last answer of each label
        except ValueError as e:
            sys.exit("FAIL: %s: not JSON (%s): %r" % (label, e, body[:200]))
def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
check(parsed["GET /status"]["node"] == name, "the node's name in /status")
check(name in parsed["GET /balances"]["balances"] and "ünï©ode" in parsed["GET /balances"]["balances"],
      "the names in /balances")
tx1 = parsed["tx1 /add_transaction json " + '{"sender": "q\\"uo\\\\te", "receiver": "ünï©ode", "amount": 5, "id": "id\\"\\\\x"}']
check(tx1["transaction"]["id"] == 'id"\\x' and tx1["transaction"]["sender"] == 'q"uo\\te'
      and tx1["transaction"]["receiver"] == "ünï©ode", "tx1's strings")
check(parsed["POST /relay/tx"]["received"] == 'relay-"1\\', "the relayed id")
check(parsed["reg-control /register_node json " + '{"node": "http://a\\u0001b"}']["message"]
      .startswith("http://a\\x01b: "), "the URL's control character quoted")
check(not re.search("[\x00-\x09\x0b-\x1f]", text), "a raw control character in an answer")
check(parsed["POST /mine json"]["block"]["miner"] == name, "the miner's name")

# Of a page (a refused form) only its message: the page has tests of its own.
def alert(m):
    found = re.search(r'role="alert">(.*?)</div>', m.group(2))
    return m.group(1) + "(page) " + (found.group(1) if found else "no message") + "\n"
text = re.sub(r"(\d{3} text/html[^\n]*\n)(.*?</html>\n)", alert, text, flags=re.S)

# What varies from run to run.
for url, tag in ((a, "<A>"), (b, "<B>"), (f, "<F>")):
    text = text.replace(url, "http://127.0.0.1:" + tag)
hashes = {}
def number(m):
    return "<h%d>" % hashes.setdefault(m.group(0), len(hashes) + 1)
text = re.sub(r"(?<![0-9a-f])0000[0-9a-f]{60}(?![0-9a-f])", number, text)
text = re.sub(r'("(?:timestamp|proof)": )\d+', r"\1<n>", text)
text = re.sub(r'("sim_time": )[0-9.]+', r"\1<s>", text)
open(out, "w", encoding="utf-8", errors="surrogateescape").write(text)
EOF

if [ "$MODE" = --update ]; then
    cp "$WORK/got.txt" "$GOLDEN"
    echo "wrote $GOLDEN"
    exit 0
fi
diff -u "$GOLDEN" "$WORK/got.txt" || fail "answers differ from $GOLDEN (diff above)"
echo "1 passed, 0 failed"
