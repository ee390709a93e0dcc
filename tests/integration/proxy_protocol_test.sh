#!/usr/bin/env bash
# The PROXY protocol both ways, in front of the test RabbitMQ.
# Egress: backends flagged SEND-PROXY (v1, BACKEND ADD) and SEND-PROXY-V2 (v2, ADD_DNS) get a
# header naming the real client (127.0.0.1 and its ephemeral port) and the listener it
# connected to; a peer (proxy_protocol_peer.py backend) checks it and relays to the broker,
# noting the amqpprox_client property the proxy's Start-Ok carries.
# Ingress: a `LISTEN START port PROXY` listener behind a fake load balancer
# (proxy_protocol_peer.py front) that claims 203.0.113.7:40000 (v2) or 2001:db8::7 (v1):
# CONN, the capture's session row, amqpprox_client and the header sent on to a SEND-PROXY
# backend show the claimed client. A connection without a header is dropped, a silent one times out, and the
# proxy keeps serving.
#   proxy_protocol_test.sh AMQPPROX AMQPPROX_CTL AMQP_ANALYZE   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1
ctl_bin=$2
analyze=$3
source "$(dirname "$0")/lib.sh"
sock=$tmp/ctl.sock
ctl() { "$ctl_bin" "$sock" "$@"; }
peer="$root/tests/integration/proxy_protocol_peer.py"
peer_pids=()
trap 'for p in "${peer_pids[@]}"; do kill "$p" 2> /dev/null || true; done; stop_proxy; rm -rf "$tmp"' EXIT

start_peer() {  # start_peer NAME ARGS...: runs the peer, waits for "ready"
  local name=$1
  shift
  $py "$peer" "$@" > "$tmp/$name.out" 2>&1 &
  peer_pids+=($!)
  for _ in $(seq 50); do
    grep -q ready "$tmp/$name.out" 2> /dev/null && return 0
    sleep 0.1
  done
  fail "peer $name did not start: $(cat "$tmp/$name.out")"
}

"$proxy" --controlSocket "$sock" --logDirectory "$tmp/logs" --listenAddress 127.0.0.1 \
  --handshakeTimeoutMs 2000 > "$tmp/proxy.log" 2>&1 &
proxy_pid=$!
wait_for -S "$sock"

plain=$(free_port)
behind_lb=$(free_port)
backend_v1=$(free_port)
backend_v2=$(free_port)
lb_v2=$(free_port)
lb_v1=$(free_port)
start_peer backend_v1 backend "$backend_v1" "$broker_port" "$tmp/seen_v1.jsonl"
start_peer backend_v2 backend "$backend_v2" "$broker_port" "$tmp/seen_v2.jsonl"
start_peer lb_v2 front "$lb_v2" "$behind_lb" 2 203.0.113.7 40000 198.51.100.1 5672
start_peer lb_v1 front "$lb_v1" "$behind_lb" 1 2001:db8::7 40000 2001:db8::1 5672

ctl BACKEND ADD rabbit dc1 127.0.0.1 "$broker_port"
ctl BACKEND ADD pp1 dc1 127.0.0.1 "$backend_v1" SEND-PROXY
ctl BACKEND ADD_DNS pp2 dc1 127.0.0.1 "$backend_v2" send-proxy-v2
ctl BACKEND PRINT > "$tmp/backends"
grep -qx "pp1 (dc1): 127.0.0.1 127.0.0.1:$backend_v1 PROXY PROTOCOL V1 ENABLED" "$tmp/backends" \
  || fail "BACKEND PRINT: $(cat "$tmp/backends")"
grep -q "^pp2 (dc1): 127.0.0.1:$backend_v2 DNS.* PROXY PROTOCOL V2 ENABLED$" "$tmp/backends" \
  || fail "BACKEND PRINT: $(cat "$tmp/backends")"
ctl LISTEN START "$plain"
ctl LISTEN START "$behind_lb" PROXY
ctl CAPTURE START "$tmp/pp.amqpcap"

# One pika connection through PORT: publishes and reads back a message, and checks, while
# open, that CONN shows its client as EXPECTED_CLIENT (or, with "self", its own address).
# Prints the client address it checked.
client() {  # client PORT EXPECTED_CLIENT
  $py - "$1" "$2" "$sock" "$ctl_bin" << 'PY'
import subprocess, sys, pika
port, expected, sock, ctl = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
c = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
if expected == "self":
    # The proxy sees pika's end of this connection.
    expected = "%s:%d" % c._impl._transport._sock.getsockname()[:2]
ch = c.channel()
q = ch.queue_declare("", exclusive=True).method.queue
ch.basic_publish("", q, b"through the PROXY protocol")
body = None
for _ in range(50):
    _, _, body = ch.basic_get(q, auto_ack=True)
    if body:
        break
    c.process_data_events(time_limit=0.1)
assert body == b"through the PROXY protocol", body
conn = subprocess.run([ctl, sock, "CONN"], check=True, capture_output=True, text=True).stdout
assert "ingressRemote=%s " % expected in conn, (expected, conn)
c.close()
print(expected)
PY
}

# Checks the last header a backend peer recorded, and the amqpprox_client property that
# followed it: check_seen FILE VERSION FAMILY SRC SPORT DST DPORT AMQPPROX_CLIENT
check_seen() {
  $py - "$@" << 'PY' || fail "backend saw the wrong header: $(tail -1 "$1")"
import json, sys
f, version, family, src, sport, dst, dport, client = sys.argv[1:]
last = json.loads(open(f).read().splitlines()[-1])
want = {"version": int(version), "family": family, "src": src, "sport": int(sport),
        "dst": dst, "dport": int(dport), "amqpprox_client": client}
got = {k: last.get(k) for k in want}
assert got == want, (got, want)
PY
}

# Egress, v1 (BACKEND ADD) and v2 (BACKEND ADD_DNS): the client's own address and port, and
# the listener it connected to; the Start-Ok's amqpprox_client property names it too.
ctl MAP BACKEND / pp1
self=$(client "$plain" self) || fail "client through SEND-PROXY backend"
check_seen "$tmp/seen_v1.jsonl" 1 TCP4 127.0.0.1 "${self##*:}" 127.0.0.1 "$plain" "$self"
ctl MAP BACKEND / pp2
self=$(client "$plain" self) || fail "client through SEND-PROXY-V2 backend"
check_seen "$tmp/seen_v2.jsonl" 2 TCP4 127.0.0.1 "${self##*:}" 127.0.0.1 "$plain" "$self"

# Ingress: the load balancer's claimed client is the session's client, and is what a
# SEND-PROXY backend is told (the destination too: where the client connected to), and
# what the broker's amqpprox_client property says.
ctl MAP BACKEND / pp1
client "$lb_v2" 203.0.113.7:40000 > /dev/null || fail "client behind a v2 load balancer"
check_seen "$tmp/seen_v1.jsonl" 1 TCP4 203.0.113.7 40000 198.51.100.1 5672 203.0.113.7:40000
ctl MAP BACKEND / pp2
client "$lb_v1" 2001:db8::7:40000 > /dev/null || fail "client behind a v1 load balancer"
check_seen "$tmp/seen_v2.jsonl" 2 TCP6 2001:db8::7 40000 2001:db8::1 5672 2001:db8::7:40000

# No header on a PROXY listener: dropped without a byte (no AMQP Close: it is not AMQP yet).
$py - "$behind_lb" << 'PY' || fail "a connection without a PROXY header was not dropped"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(5)
s.sendall(b"AMQP\x00\x00\x09\x01")
assert s.recv(100) == b"", "the proxy answered"
PY
grep -q "no valid PROXY protocol header, dropped: not a PROXY protocol header" "$tmp/proxy.log" \
  || fail "no log line for the dropped connection"
# A malformed header says what is wrong.
$py - "$behind_lb" << 'PY' || fail "a malformed PROXY header was not dropped"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(5)
s.sendall(b"PROXY TCP4 1.2.3 4.5.6.7 1 2\r\nAMQP\x00\x00\x09\x01")
assert s.recv(100) == b"", "the proxy answered"
PY
grep -q "bad source address '1.2.3' for TCP4" "$tmp/proxy.log" || fail "no log line for the malformed header"
# A silent connection: the handshake timeout (2 s here) covers the header.
$py - "$behind_lb" << 'PY' || fail "a silent connection was not timed out"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(6)
start = time.monotonic()
assert s.recv(100) == b""
assert 1.5 < time.monotonic() - start < 5.5, time.monotonic() - start
PY

# The proxy keeps serving, behind the balancer and directly.
ctl MAP BACKEND / rabbit
client "$lb_v2" 203.0.113.7:40000 > /dev/null || fail "client behind the balancer after the drops"
client "$plain" self > /dev/null || fail "direct client after the drops"

# The capture's session rows carry the claimed clients.
ctl CAPTURE STOP "$tmp/pp.amqpcap" > /dev/null
"$analyze" sessions "$tmp/pp.amqpcap" > "$tmp/sessions" || fail "amqp-analyze sessions"
grep -q " 203.0.113.7:40000 " "$tmp/sessions" || fail "capture sessions: $(cat "$tmp/sessions")"
grep -q " 2001:db8::7:40000 " "$tmp/sessions" || fail "capture sessions: $(cat "$tmp/sessions")"
[ "$(ctl EXIT)" = "Exiting." ] || fail "EXIT reply"
wait "$proxy_pid"; proxy_pid=
echo "proxy protocol: ok"
