#!/usr/bin/env bash
# amqpprox in simple mode in front of the test RabbitMQ, with recording on: real clients
# (pika, amqp-tools) work through it, refusals reach the client with the broker's code,
# garbage is refused (before Open and after), and the capture holds every frame both ways,
# bodies byte for byte, and no password.
#   proxy_simple_test.sh AMQPPROX AMQP_ANALYZE   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1
analyze=$2
source "$(dirname "$0")/lib.sh"

# Command line basics.
"$proxy" --version | grep -qx 'amqpprox [0-9.]*' || fail "--version"
"$proxy" --help | grep -q -- '--destinationDNS' || fail "--help"
set +e
"$proxy" --listenPort 1 > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q 'simple mode needs all of' "$tmp/err" || fail "partial simple mode: $rc $(cat "$tmp/err")"

# --captureIdlePriority: the capture's writer and checkpoint threads run under SCHED_IDLE (5).
"$proxy" --controlSocket "$tmp/idle.sock" --logDirectory "" --capture "$tmp/idle.amqpcap" \
  --captureIdlePriority > "$tmp/idle.log" 2>&1 &
idle_pid=$!
policies=""
for _ in $(seq 50); do
  policies=$(for t in /proc/$idle_pid/task/*; do
    case $(cat "$t/comm" 2> /dev/null) in capture-writer | capture-ckpt) echo "$(cat "$t/comm") $(cut -d')' -f2 "$t/stat" | awk '{print $39}')" ;; esac
  done | sort | tr '\n' ' ')
  [ "$policies" = "capture-ckpt 5 capture-writer 5 " ] && break
  sleep 0.1
done
kill -TERM "$idle_pid"; wait "$idle_pid" || true
[ "$policies" = "capture-ckpt 5 capture-writer 5 " ] || fail "--captureIdlePriority: policies '$policies'"

port=$(free_port)
"$proxy" --controlSocket "$tmp/ctl.sock" --logDirectory "$tmp/logs" --listenPort "$port" --listenAddress 127.0.0.1 --destinationDNS 127.0.0.1 \
  --destinationPort "$broker_port" --capture "$tmp/c.amqpcap" > "$tmp/proxy.log" 2>&1 &
proxy_pid=$!
wait_for port "$port"
ss -ltn | grep -q "127.0.0.1:$port " || fail "not listening on 127.0.0.1:$port only"

# The whole golden pika session, and amqp-tools, through the proxy.
$py "$root/samples/workloads/golden_session.py" --host 127.0.0.1 --port "$port" --heartbeat 1 \
  --idle 2 --connection-name proxy-simple-test > "$tmp/pika.log" 2>&1 \
  || { cat "$tmp/pika.log"; fail "pika golden session through the proxy"; }
url="amqp://guest:guest@127.0.0.1:$port"
body="proxied body $(date +%s%N) ✓"
amqp-declare-queue --url="$url" -q proxy-simple-q > /dev/null
amqp-publish --url="$url" -r proxy-simple-q -C text/plain -b "$body"
got=$(amqp-get --url="$url" -q proxy-simple-q)
[ "$got" = "$body" ] || fail "message through the proxy: got '$got'"
amqp-delete-queue --url="$url" -q proxy-simple-q > /dev/null

# Refusals come from the broker with its code: bad password (403), unknown vhost (530).
$py - "$port" > "$tmp/refusals" 2>&1 << 'PY' || { cat "$tmp/refusals"; fail "refusals"; }
import sys, pika
port = int(sys.argv[1])
def attempt(user, password, vhost):
    try:
        pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port, vhost,
                                pika.PlainCredentials(user, password), connection_attempts=1))
    except pika.exceptions.ProbableAccessDeniedError as e:
        return "access-denied " + str(e)
    except pika.exceptions.ProbableAuthenticationError as e:
        return "auth " + str(e)
    except pika.exceptions.AMQPConnectionError as e:
        return "conn " + repr(e)
    return "opened"
a = attempt("guest", "wrong-password", "/")
assert "403" in a and "ACCESS_REFUSED" in a, a
b = attempt("guest", "guest", "no-such-vhost")
assert "530" in b or "NOT_ALLOWED" in b or "access-denied" in b, b
print("refusals ok:", a, "|", b)
PY

# Garbage and a wrong protocol: the proxy answers with its header and closes; it stays up.
$py - "$port" << 'PY' || fail "garbage"
import socket, sys
port = int(sys.argv[1])
for payload in (b"GET / HTTP/1.1\r\n\r\n", b"AMQP\x01\x01\x08\x00"):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(payload)
    reply = s.recv(64)
    assert reply == b"AMQP\x00\x00\x09\x01", reply
    assert s.recv(64) == b""  # closed
# A frame on channel 1 before Connection.Open: Connection.Close 504.
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"AMQP\x00\x00\x09\x01")
s.recv(4096)  # Connection.Start
s.sendall(bytes.fromhex("01 0001 00000005 0014000a00 ce"))  # channel.open on channel 1
reply = b""
while len(reply) < 11:
    chunk = s.recv(4096)
    if not chunk: break
    reply += chunk
assert reply[0] == 1 and reply[7:11] == bytes.fromhex("000a0032"), reply   # connection.close
assert int.from_bytes(reply[11:13], "big") == 504, reply
print("garbage ok")
PY

# After Open, a read with a good frame and then a bad one: nothing of it reaches the broker,
# the client gets Connection.Close 501, and the capture holds the read up to the bad frame.
$py - "$port" << 'PY' || fail "bad frame after Open"
import socket, struct, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
def frame(kind, channel, payload, end=b"\xce"):
    return struct.pack(">BHI", kind, channel, len(payload)) + payload + end
def method(class_id, method_id, args=b""):
    return frame(1, 0, struct.pack(">HH", class_id, method_id) + args)
def shortstr(text):
    return bytes([len(text)]) + text
def read_frame():
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            assert chunk, "closed early"
            data += chunk
        return data
    kind, channel, size = struct.unpack(">BHI", exactly(7))
    payload = exactly(size + 1)[:-1]
    return kind, channel, payload
s.sendall(b"AMQP\x00\x00\x09\x01")
assert read_frame()[2][:4] == bytes.fromhex("000a000a")  # Start
response = b"\0guest\0guest"
s.sendall(method(10, 11, struct.pack(">I", 0) + shortstr(b"PLAIN") +
                 struct.pack(">I", len(response)) + response + shortstr(b"en_US")))
tune = read_frame()[2]
assert tune[:4] == bytes.fromhex("000a001e"), tune  # Tune
s.sendall(method(10, 31, tune[4:]))  # Tune-Ok with the offered limits
s.sendall(method(10, 40, shortstr(b"/") + shortstr(b"") + b"\0"))
assert read_frame()[2][:4] == bytes.fromhex("000a0029")  # Open-Ok
channel_open = frame(1, 1, struct.pack(">HH", 20, 10) + shortstr(b""))
s.sendall(channel_open + frame(8, 0, b"", end=b"\x00"))  # a heartbeat with a bad end octet
kind, channel, payload = read_frame()
assert payload[:4] == bytes.fromhex("000a0032"), payload  # Connection.Close, not Channel.Open-Ok
assert struct.unpack(">H", payload[4:6])[0] == 501, payload
print("bad frame after Open ok")
PY
kill -0 "$proxy_pid" || fail "proxy died"

# Stop: the capture is closed and complete.
kill -TERM "$proxy_pid"; wait "$proxy_pid"; proxy_pid=
"$analyze" info "$tmp/c.amqpcap" > "$tmp/info" || fail "info"
grep -q 'gaps:       none' "$tmp/info" || fail "gaps: $(cat "$tmp/info")"
grep -aq 'guest.guest' "$tmp/c.amqpcap" && fail "password in the capture"
grep -aq 'wrong-password' "$tmp/c.amqpcap" && fail "refused password in the capture"
sqlite3 "$tmp/c.amqpcap" "select count(*) from sessions where connection_name = 'amqpprox-golden-pika' or connection_name = 'proxy-simple-test'" | grep -qx '[1-9]' || fail "pika session row"
# Every recorded session starts with the protocol header, and seqs have no holes.
sqlite3 "$tmp/c.amqpcap" "select count(*) from sessions s where (select type from frames f where f.session = s.id and f.seq = 0) <> 0" | grep -qx 0 || fail "a session without its header"
sqlite3 "$tmp/c.amqpcap" "select count(*) from sessions s where (select max(seq) + 1 - count(*) from frames f where f.session = s.id) <> 0" | grep -qx 0 || fail "holes in seq"
# The published body, byte for byte, both ways (publish and get-ok).
n=$(sqlite3 "$tmp/c.amqpcap" "select count(*) from frames where type = 3 and payload = cast('$body' as blob)")
[ "$n" -eq 2 ] || fail "body frames matching: $n"
# The session refused for its bad frame: recorded up to it (the Channel.Open), closed by the
# proxy with 501.
sqlite3 "$tmp/c.amqpcap" "select count(*) from sessions s where close_code = 501 and closed_by = 'proxy' and exists (select 1 from frames f where f.session = s.id and f.direction = 0 and f.channel = 1 and f.method = 1310730)" | grep -qx 1 || fail "the bad frame's session: $(sqlite3 "$tmp/c.amqpcap" 'select id, close_code, closed_by from sessions')"
# The refused login is recorded with the broker's 403.
sqlite3 "$tmp/c.amqpcap" "select count(*) from sessions where close_code = 403 and closed_by = 'broker'" | grep -qx '[1-9]' || fail "403 session"
# The pika session's frames match what pika and the broker exchanged: every method decodes.
echo "proxy simple mode: $(sqlite3 "$tmp/c.amqpcap" 'select count(*) from sessions') sessions, $(sqlite3 "$tmp/c.amqpcap" 'select count(*) from frames') frames recorded"
