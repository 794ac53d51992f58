#!/usr/bin/env bash
# A node under abuse, over raw sockets on loopback (127.0.0.x addresses
# stand for different clients): 300 idle sockets, 300 /events subscribers
# and slow headers leave room for everyone else; a client over a limit gets
# 503 with Retry-After and a JSON reason; headers that never finish are cut
# after the header timeout; ambiguous framing (RFC 9112) gets 400; a chunked
# body past the limit is refused before it ends.
set -euo pipefail
BIN=$1
source "$(dirname "$0")/http_common.sh"
start_node N --name abused
python3 - "${N##*:}" <<'PY'
import json, socket, sys, time
port = int(sys.argv[1])
opened = []

def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)

def connect(src="127.0.0.1"):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    opened.append(s)
    return s

def read_reply(s, limit_s=5):
    """Status line, headers (lower-case), body of one reply (Connection: close)."""
    s.settimeout(limit_s)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
            if b"\r\n\r\n" in data and b"text/event-stream" in data:
                break
    except (socket.timeout, ConnectionResetError):
        pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    return lines[0], headers, body

def get(path, src="127.0.0.1", extra=""):
    s = connect(src)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n" % (path, extra)).encode())
    return read_reply(s)

def expect_ok(what, src):
    t = time.time()
    status, _, body = get("/status", src)
    if not status.startswith("HTTP/1.1 200"):
        fail("%s: GET /status from %s answered %r" % (what, src, status))
    if json.loads(body)["node"] != "abused":
        fail("%s: GET /status body %r" % (what, body[:80]))
    return time.time() - t

def expect_busy(what, status, headers, body, words):
    if not status.startswith("HTTP/1.1 503"):
        fail("%s: expected 503, got %r" % (what, status))
    if headers.get("retry-after") != "5":
        fail("%s: Retry-After is %r" % (what, headers.get("retry-after")))
    reply = json.loads(body)
    if reply["error"] != "busy" or words not in reply["message"]:
        fail("%s: reason %r" % (what, reply))

# 1. 300 idle sockets from one address: others are served at once; that
# address's 129th connection is told why it is refused.
idle = [connect("127.0.0.2") for _ in range(300)]
time.sleep(0.3)
took = expect_ok("300 idle sockets", "127.0.0.1")
status, headers, body = get("/status", "127.0.0.2")
expect_busy("the 301st socket of 127.0.0.2", status, headers, body, "your address has as many connections")

# 2. The idle ones are cut at the header timeout (10 s), not left open.
t0 = time.time()
slow = connect("127.0.0.3")
slow.sendall(b"GET /status HTTP/1.1\r\n")
cut_at = None
while time.time() - t0 < 16:
    try:
        slow.sendall(b"X-Slow: 1\r\n")  # a header line every second
    except OSError:
        cut_at = time.time() - t0
        break
    slow.settimeout(1)
    try:
        if slow.recv(1) == b"":
            cut_at = time.time() - t0
            break
    except socket.timeout:
        pass
    except OSError:
        cut_at = time.time() - t0
        break
if cut_at is None or not 9 <= cut_at <= 12.5:
    fail("a connection sending a header line a second was cut after %s s, expected ~10" % cut_at)
closed = 0
for s in idle:
    s.settimeout(0.5)
    try:
        if s.recv(1) == b"":
            closed += 1
    except socket.timeout:
        pass
    except OSError:
        closed += 1
if closed != 300:
    fail("%d of 300 idle sockets were closed after the header timeout" % closed)

# 3. 300 /events subscribers from 10 addresses: requests still served, and
# a 33rd stream from one address is refused with the reason.
streams = []
for i in range(300):
    s = connect("127.0.1.%d" % (i % 10 + 1))
    s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    streams.append(s)
for i, s in enumerate(streams):  # every one answered, so all are counted
    status, headers, _ = read_reply(s)
    if not status.startswith("HTTP/1.1 200") or headers.get("content-type") != "text/event-stream":
        fail("stream %d: %r %r" % (i, status, headers))
expect_ok("300 streams", "127.0.0.1")
for k in (31, 32):
    s = connect("127.0.1.1")
    s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    if not read_reply(s)[0].startswith("HTTP/1.1 200"):
        fail("stream %d of 127.0.1.1 was refused (32 are allowed)" % k)
s = connect("127.0.1.1")
s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
expect_busy("the 33rd stream of 127.0.1.1", *read_reply(s), "live-update streams")
# a new event reaches the open streams
body = b'{"sender": "a", "receiver": "b", "amount": 3}'
s = connect()
s.sendall(b"POST /add_transaction HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
if not read_reply(s)[0].startswith("HTTP/1.1 201"):
    fail("POST /add_transaction with 300 streams open")
seen = b""
streams[-1].settimeout(5)
while b"tx_accepted" not in seen:
    d = streams[-1].recv(65536)
    if not d:
        break
    seen += d
if b"tx_accepted" not in seen:
    fail("the 300th stream did not get the new transaction's event: %r" % seen[-200:])
for s in streams:
    s.close()

# 4. Ambiguous framing: 400 with the reason, before any handler runs.
body = b'{"sender": "a", "receiver": "b", "amount": 1}'
cases = [
    ("two Content-Length", b"Content-Length: %d\r\nContent-Length: %d\r\n" % (len(body), len(body) + 1), body,
     "two different Content-Length"),
    ("Content-Length and chunked", b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % len(body),
     b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n", "both Content-Length and Transfer-Encoding"),
    ("space before the colon", b"Content-Type : application/json\r\nContent-Length: %d\r\n" % len(body), body,
     "whitespace between"),
]
for what, headers, payload, words in cases:
    s = connect()
    s.sendall(b"POST /add_transaction HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + headers +
              b"Connection: close\r\n\r\n" + payload)
    status, _, reply = read_reply(s)
    if not status.startswith("HTTP/1.1 400"):
        fail("%s: expected 400, got %r %r" % (what, status, reply[:100]))
    if words not in json.loads(reply)["message"]:
        fail("%s: reason %r" % (what, reply))
s = connect()
s.sendall(b"GET /mempool HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
if json.loads(read_reply(s)[2])["size"] != 1:
    fail("a refused request was added to the mempool")

# 5. A chunked body past the 1 MiB limit is refused while it is still being
# sent: the node answers 413 and stops reading, so the client sees the 413
# or the connection reset long before its 32 MiB are out (the old server
# read them all, then answered).
s = connect()
s.sendall(b"POST /add_transaction HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n")
chunk = b"x" * 65536
sent, answer = 0, b""
try:
    while sent < 32 << 20:
        s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        sent += len(chunk)
        s.setblocking(False)
        try:
            answer = s.recv(4096)
        except BlockingIOError:
            pass
        s.setblocking(True)
        s.settimeout(5)
        if answer:
            break
except OSError:
    pass
if sent >= 8 << 20:
    fail("the node read %d bytes of a chunked body with a 1 MiB limit" % sent)
if answer and not answer.startswith(b"HTTP/1.1 413"):
    fail("a chunked body past the limit was answered %r" % answer[:60])
expect_ok("after the abuse", "127.0.0.1")
print("abuse: served in %.0f ms beside 300 idle sockets, slow headers cut at %.1f s, 300 streams" %
      (took * 1000, cut_at))
PY
echo "1 passed, 0 failed"
