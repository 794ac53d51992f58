"""A classic blockchain node, as the tutorials write it: Flask, one chain in
memory, proof of work "the hash starts with 0000", longest valid chain wins.

    python3 node.py PORT          (PORT 0: a free port; the URL is printed)

It is what chainsim must interoperate with (tests/cli_http_classic.sh):

- blocks are {"index", "previous_hash", "proof", "transactions"} plus
  "hash" = sha256(json.dumps(block without "hash", sort_keys=True));
- the genesis is {"index": 1, "previous_hash": "0", "proof": 16552,
  "transactions": []};
- transactions are what the forms send: sender, receiver, amount (the
  amount stays the string the form carried; JSON bodies keep their types);
- GET /chain, GET /nodes, GET / (a page with the four forms),
  POST /add_transaction, /mine, /register_node, /consensus: forms redirect
  to /, JSON gets JSON;
- /consensus pulls every registered node's /chain and takes the longest
  one that is valid from our genesis on (links, hashes, proof of work).
"""
import hashlib
import json
import socket
import sys
import urllib.request
from urllib.parse import urlparse

from flask import Flask, jsonify, redirect, request

GENESIS = {"index": 1, "previous_hash": "0", "proof": 16552, "transactions": []}


def block_hash(block):
    body = {k: v for k, v in block.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def valid_proof(block):
    return block_hash(block).startswith("0000")


class Blockchain:
    def __init__(self):
        genesis = dict(GENESIS)
        genesis["hash"] = block_hash(genesis)
        self.chain = [genesis]
        self.pending = []
        self.nodes = []

    def add_transaction(self, sender, receiver, amount):
        self.pending.append({"sender": sender, "receiver": receiver, "amount": amount})
        return self.chain[-1]["index"] + 1

    def mine(self):
        last = self.chain[-1]
        block = {"index": last["index"] + 1, "previous_hash": last["hash"], "proof": 0,
                 "transactions": self.pending}
        while not valid_proof(block):
            block["proof"] += 1
        block["hash"] = block_hash(block)
        self.chain.append(block)
        self.pending = []
        return block

    def register(self, address):
        url = address if "://" in address else "http://" + address
        parsed = urlparse(url)
        if not parsed.netloc:
            raise ValueError("invalid URL: " + address)
        url = parsed.scheme + "://" + parsed.netloc
        if url not in self.nodes:
            self.nodes.append(url)

    @staticmethod
    def valid_chain(chain):
        if not chain:
            return False
        first = {k: v for k, v in chain[0].items() if k != "hash"}
        if first != GENESIS:
            return False
        for prev, block in zip(chain, chain[1:]):
            if block.get("index") != prev.get("index", 0) + 1:
                return False
            if block.get("previous_hash") != block_hash(prev):
                return False
            if "hash" in block and block["hash"] != block_hash(block):
                return False
            if not valid_proof(block):
                return False
        return True

    def resolve(self):
        best, best_len = None, len(self.chain)
        for node in self.nodes:
            try:
                with urllib.request.urlopen(node + "/chain", timeout=5) as resp:
                    data = json.load(resp)
            except (OSError, ValueError):
                continue
            chain = data.get("chain") if isinstance(data, dict) else None
            if isinstance(chain, list) and len(chain) > best_len and self.valid_chain(chain):
                best, best_len = chain, len(chain)
        if best:
            self.chain = best
            return True
        return False


app = Flask(__name__)
bc = Blockchain()

PAGE = """<!doctype html><title>classic node</title><h1>classic node</h1>
<form method=post action=/add_transaction><input name=sender><input name=receiver>
<input name=amount><button>Add Transaction</button></form>
<form method=post action=/mine><button>Mine</button></form>
<form method=post action=/register_node><input name=node><button>Register Node</button></form>
<form method=post action=/consensus><button>Resolve Conflict</button></form>
<pre>{chain}</pre>"""


def wants_json():
    return request.is_json or "application/json" in request.headers.get("Accept", "")


def values():
    return request.get_json(silent=True) or {} if request.is_json else request.form


@app.get("/")
def index():
    return PAGE.format(chain=json.dumps(bc.chain, indent=1))


@app.get("/chain")
def full_chain():
    return jsonify({"chain": bc.chain, "length": len(bc.chain)})


@app.get("/nodes")
def nodes():
    return jsonify({"nodes": bc.nodes})


@app.post("/add_transaction")
def add_transaction():
    v = values()
    if not all(k in v for k in ("sender", "receiver", "amount")):
        return jsonify({"message": "Missing values"}), 400
    index = bc.add_transaction(v["sender"], v["receiver"], v["amount"])
    if not wants_json():
        return redirect("/")
    return jsonify({"message": f"Transaction will be added to Block {index}"}), 201


@app.post("/mine")
def mine():
    block = bc.mine()
    if not wants_json():
        return redirect("/")
    return jsonify({"message": "New Block Forged", "block": block}), 201


@app.post("/register_node")
def register_node():
    v = values()
    nodes = v.get("nodes") or ([v["node"]] if v.get("node") else [])
    if not nodes:
        return jsonify({"message": "Please supply a valid node"}), 400
    try:
        for n in nodes:
            bc.register(n)
    except ValueError as e:
        return jsonify({"message": str(e)}), 400
    if not wants_json():
        return redirect("/")
    return jsonify({"message": "New nodes have been added", "total_nodes": bc.nodes}), 201


@app.post("/consensus")
def consensus():
    replaced = bc.resolve()
    if not wants_json():
        return redirect("/")
    return jsonify({"replaced": replaced, "chain": bc.chain,
                    "message": "Our chain was replaced" if replaced else "Our chain is authoritative"})


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    print(f"classic node listening on http://127.0.0.1:{port}", flush=True)
    app.run(host="127.0.0.1", port=port, threaded=True)
