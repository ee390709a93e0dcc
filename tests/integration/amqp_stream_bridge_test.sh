#!/usr/bin/env bash
# The amqp-stream bridge against the test RabbitMQ: an HTTP request/response and a bulk
# random-byte transfer arrive byte-identical (sha256), 20 concurrent streams stay apart and
# in order, half-close (the client shuts down writing and still reads the whole reply),
# interop with the Go protocol's pika peer in both roles, clear errors (broker unreachable,
# no server listening, bad command line), and through the recording proxy
# `amqp-analyze follow --amqp-stream` gives both directions back byte-identical, and every
# declare, consume and publish in that capture has the Go library's flags and properties.
#   amqp_stream_bridge_test.sh AMQP_STREAM AMQPPROX AMQP_ANALYZE   (AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
bridge=$1
proxy=$2
analyze=$3
source "$(dirname "$0")/lib.sh"
pids=()
cleanup() {
  stop_proxy
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  [ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT

tcp="$py $root/tests/integration/amqp_stream_tcp.py"
peer="$py $root/tests/integration/amqp_stream_peer.py"
url="amqp://guest:guest@127.0.0.1:$broker_port/"
bulk_mb=${AMQP_STREAM_TEST_MB:-50}

# Backends: sink (answers the sha256 of what it read, after EOF), echo, and HTTP.
sink_port=$(free_port); echo_port=$(free_port); http_port=$(free_port)
$tcp servers "$sink_port" "$echo_port" "$tmp/backends.ready" > "$tmp/backends.log" 2>&1 &
pids+=($!)
mkdir "$tmp/www"
head -c 300000 /dev/urandom > "$tmp/www/page.bin"
$py -m http.server --bind 127.0.0.1 --directory "$tmp/www" "$http_port" > "$tmp/http.log" 2>&1 &
pids+=($!)
wait_for -f "$tmp/backends.ready"
wait_for port "$http_port"

# Waits until a bridge logged that it listens (probing its port would open a stream).
wait_listening() {
  for _ in $(seq 50); do grep -qs listening "$1" && return 0; sleep 0.1; done
  fail "not listening: $(cat "$1")"
}

# start_pair NAME BACKEND_PORT [BROKER_URL]: a bridge server forwarding to the backend and a
# bridge client for it; sets port_NAME to the client's TCP port.
start_pair() {
  local name=$1 backend=$2 u=${3:-$url} listen
  listen=$(free_port)
  "$bridge" server --url "$u" --queue "$name" --forward "127.0.0.1:$backend" \
    > "$tmp/$name.server.log" 2>&1 &
  pids+=($!)
  wait_listening "$tmp/$name.server.log"
  "$bridge" client --url "$u" --queue "$name" --listen "$listen" > "$tmp/$name.client.log" 2>&1 &
  pids+=($!)
  wait_listening "$tmp/$name.client.log"
  printf -v "port_$name" %s "$listen"
}
start_pair sink "$sink_port"
start_pair echo "$echo_port"
start_pair http "$http_port"

# HTTP request/response.
curl -sS --max-time 20 -o "$tmp/page.got" "http://127.0.0.1:$port_http/page.bin" \
  || fail "curl through the bridge: $(tail -5 "$tmp/http.client.log" "$tmp/http.server.log")"
cmp "$tmp/www/page.bin" "$tmp/page.got" || fail "HTTP body differs"
echo "http: ok"

# Bulk random bytes up (half-close: the sink answers only after EOF) and down (HTTP).
head -c "${bulk_mb}000000" /dev/urandom > "$tmp/bulk"
start=$(date +%s.%N)
$tcp exchange "$port_sink" "$tmp/bulk" "$tmp/bulk.reply" || fail "bulk exchange"
end=$(date +%s.%N)
[ "$(cat "$tmp/bulk.reply")" = "$(sha256sum < "$tmp/bulk" | cut -d' ' -f1)" ] \
  || fail "bulk: sha256 differs: $(cat "$tmp/bulk.reply")"
echo "bulk $bulk_mb MB up + half-close: ok ($(echo "$end - $start" | bc) s)"
mv "$tmp/bulk" "$tmp/www/bulk"
curl -sS --max-time 60 -o "$tmp/bulk.got" "http://127.0.0.1:$port_http/bulk" || fail "bulk down"
[ "$(sha256sum < "$tmp/bulk.got")" = "$(sha256sum < "$tmp/www/bulk")" ] || fail "bulk down differs"
rm -f "$tmp/bulk.got"  # www/bulk goes through the recording proxy below
echo "bulk $bulk_mb MB down: ok"

# 20 concurrent streams through the echo.
$tcp concurrent "$port_echo" 20 200000 || fail "concurrent streams"

# A log line per stream on both sides.
grep -q 'stream 1 open' "$tmp/echo.server.log" || fail "no log: $(cat "$tmp/echo.server.log")"
grep -q 'stream 1 closed' "$tmp/echo.client.log" || fail "no log: $(cat "$tmp/echo.client.log")"

# Interop: our client <-> the pika server, and the pika client <-> our server.
head -c 1000000 /dev/urandom > "$tmp/up"
head -c 700000 /dev/urandom > "$tmp/down"
$peer server "$broker_port" py-server "$tmp/down" "$tmp/py-server.got" "$tmp/py.ready" \
  > "$tmp/py-server.log" 2>&1 &
py_server=$!
wait_for -f "$tmp/py.ready"
listen=$(free_port)
"$bridge" client --url "$url" --queue py-server --listen "$listen" > "$tmp/to-py.log" 2>&1 &
pids+=($!)
wait_listening "$tmp/to-py.log"
timeout 30 $tcp exchange "$listen" "$tmp/up" "$tmp/from-py" || fail "exchange with pika server"
wait "$py_server" || fail "pika server: $(cat "$tmp/py-server.log")"
cmp "$tmp/up" "$tmp/py-server.got" || fail "pika server got other bytes"
cmp "$tmp/down" "$tmp/from-py" || fail "pika server's bytes differ"
echo "our client <-> pika server: ok"
timeout 30 $peer client "$broker_port" sink "$tmp/up" "$tmp/py-client.got" \
  > "$tmp/py-client.log" 2>&1 || fail "pika client: $(cat "$tmp/py-client.log")"
[ "$(cat "$tmp/py-client.got")" = "$(sha256sum < "$tmp/up" | cut -d' ' -f1)" ] \
  || fail "pika client got: $(cat "$tmp/py-client.got")"
echo "pika client <-> our server: ok"

# Clear errors.
listen=$(free_port)
"$bridge" client --url "$url" --queue nobody-listens --listen "$listen" > "$tmp/nobody.log" 2>&1 &
pids+=($!)
wait_listening "$tmp/nobody.log"
timeout 5 $tcp exchange "$listen" /dev/null "$tmp/nobody.got" || fail "no server: not closed fast"
grep -q 'no server is listening on control queue "nobody-listens"' "$tmp/nobody.log" \
  || fail "no server: $(cat "$tmp/nobody.log")"
set +e
"$bridge" client --url "amqp://127.0.0.1:$(free_port)/" --queue q --listen "$(free_port)" \
  > "$tmp/unreachable.log" 2>&1
code=$?
"$bridge" client --url "$url" --queue q > "$tmp/usage.log" 2>&1
usage=$?
"$bridge" server --url "http://x" --queue q --forward 127.0.0.1:1 > "$tmp/badurl.log" 2>&1
badurl=$?
set -e
[ "$code" = 1 ] && grep -q 'cannot reach the broker' "$tmp/unreachable.log" \
  || fail "unreachable broker: exit $code: $(cat "$tmp/unreachable.log")"
[ "$usage" = 2 ] && grep -q -- '--listen' "$tmp/usage.log" || fail "usage: $usage $(cat "$tmp/usage.log")"
[ "$badurl" = 2 ] && grep -q 'accepted: amqp://' "$tmp/badurl.log" \
  || fail "bad url: $badurl $(cat "$tmp/badurl.log")"
# An invalid connection request (a body) is rejected and logged; the server goes on.
$py - "$broker_port" <<'PY' || fail "invalid request"
import sys, pika
c = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", int(sys.argv[1])))
ch = c.channel()
ch.basic_publish("", "echo", b"not empty", pika.BasicProperties(delivery_mode=1, reply_to="x"))
c.close()
PY
for _ in $(seq 50); do grep -qs 'rejected a connection request' "$tmp/echo.server.log" && break; sleep 0.1; done
grep -q 'rejected a connection request on "echo": it carries 9 bytes' "$tmp/echo.server.log" \
  || fail "invalid request: $(cat "$tmp/echo.server.log")"
echo 'again' > "$tmp/again"
$tcp exchange "$port_echo" "$tmp/again" "$tmp/again.got" && cmp "$tmp/again" "$tmp/again.got" \
  || fail "echo after an invalid request"
set +e
"$bridge" client --url "amqp://guest:wrong@127.0.0.1:$broker_port/" --queue q --listen "$(free_port)" \
  > "$tmp/login.log" 2>&1
code=$?
set -e
[ "$code" = 1 ] && grep -q 'refused the login' "$tmp/login.log" \
  || fail "bad login: exit $code: $(cat "$tmp/login.log")"
echo "errors: ok"

# Killing the server side: the client side notices within the heartbeat (1 s here: a peer
# check each second, then a second's grace for an end of stream still on its way).
listen=$(free_port)
"$bridge" server --url "$url" --queue doomed --forward "127.0.0.1:$sink_port" --heartbeat 1 \
  > "$tmp/doomed.server.log" 2>&1 &
doomed=$!
disown "$doomed"  # its SIGKILL is the test, not news for the shell
wait_listening "$tmp/doomed.server.log"
"$bridge" client --url "$url" --queue doomed --listen "$listen" --heartbeat 1 \
  > "$tmp/doomed.client.log" 2>&1 &
pids+=($!)
wait_listening "$tmp/doomed.client.log"
$py - "$listen" "$doomed" > "$tmp/doomed.out" 2>&1 <<'PY' || fail "kill: $(cat "$tmp/doomed.out" "$tmp/doomed.client.log")"
import os, signal, socket, sys, time
conn = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
conn.sendall(b"half a request")
time.sleep(1)
os.kill(int(sys.argv[2]), signal.SIGKILL)
start = time.monotonic()
conn.settimeout(10)
try:
    rest = conn.recv(100)
except ConnectionResetError:
    rest = b""
took = time.monotonic() - start
assert rest == b"", rest
assert took < 5, took
print("closed %.1f s after the kill" % took)
PY
# The log line comes after the socket is closed.
for _ in $(seq 50); do grep -qs 'the peer is gone' "$tmp/doomed.client.log" && break; sleep 0.1; done
grep -q 'the peer is gone' "$tmp/doomed.client.log" || fail "kill log: $(cat "$tmp/doomed.client.log")"
echo "server killed: client side $(cat "$tmp/doomed.out")"

# Through the recording proxy: follow --amqp-stream gives both directions back.
cap=$tmp/bridge.amqpcap
start_recording_proxy "$cap"
start_pair recorded "$echo_port" "amqp://guest:guest@127.0.0.1:$proxy_port/"
$tcp exchange "$port_recorded" "$tmp/up" "$tmp/recorded.got" || fail "recorded exchange"
cmp "$tmp/up" "$tmp/recorded.got" || fail "recorded: echo differs"
# HTTP and the bulk bytes (half-closed) through the recording proxy as well.
start_pair recorded_http "$http_port" "amqp://guest:guest@127.0.0.1:$proxy_port/"
curl -sS --max-time 20 -o "$tmp/page.rec" "http://127.0.0.1:$port_recorded_http/page.bin" \
  || fail "curl through the recorded bridge"
cmp "$tmp/www/page.bin" "$tmp/page.rec" || fail "recorded: HTTP body differs"
start_pair recorded_sink "$sink_port" "amqp://guest:guest@127.0.0.1:$proxy_port/"
$tcp exchange "$port_recorded_sink" "$tmp/www/bulk" "$tmp/bulk.recorded.reply" || fail "recorded bulk"
[ "$(cat "$tmp/bulk.recorded.reply")" = "$(sha256sum < "$tmp/www/bulk" | cut -d' ' -f1)" ] \
  || fail "recorded bulk: sha256 differs"
echo "through the recording proxy: echo, HTTP and $bulk_mb MB ok"
sleep 0.5  # the bridges close their channels after the last bytes
stop_proxy
"$analyze" follow --amqp-stream "$cap" --queue recorded -o "$tmp/follow" > "$tmp/follow.out" \
  2> "$tmp/follow.err" || fail "follow exited $?: $(cat "$tmp/follow.out" "$tmp/follow.err")"
cmp "$tmp/up" "$tmp/follow/stream-1.client-to-server" || fail "follow: client-to-server differs"
cmp "$tmp/up" "$tmp/follow/stream-1.server-to-client" || fail "follow: server-to-client differs"
# The bulk stream too: its upstream is the file, its downstream the sink's checksum line.
"$analyze" follow --amqp-stream "$cap" --queue recorded_sink -o "$tmp/follow_sink" \
  > "$tmp/follow_sink.out" 2>&1 || fail "follow (bulk) exited $?: $(cat "$tmp/follow_sink.out")"
cmp "$tmp/www/bulk" "$tmp/follow_sink/stream-1.client-to-server" || fail "follow: bulk upstream differs"
cmp "$tmp/bulk.recorded.reply" "$tmp/follow_sink/stream-1.server-to-client" \
  || fail "follow: bulk downstream differs"
echo "follow --amqp-stream: ok (echo, and the $bulk_mb MB stream)"

# Every declare, consume, publish property and the handshake, as the Go library has them.
"$analyze" trace "$cap" --format json > "$tmp/trace.jsonl" || fail "trace exited $?"
$py "$root/tests/integration/amqp_stream_wire_check.py" "$tmp/trace.jsonl" recorded recorded_http recorded_sink \
  || fail "wire check"
