#!/usr/bin/env bash
# The project's own AMQP clients over amqps:// to a real RabbitMQ TLS listener (a node of the
# test's own, certificates made here): amqp-replay replays the sample pcap session equal
# (exit 0), and refuses an untrusted broker (exit 2, the fix said); the amqp-stream bridge
# carries bytes both ways over amqps, verified against the CA, and refuses an untrusted
# broker with the reason.
#   tls_clients_test.sh AMQP_REPLAY AMQP_STREAM   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
replay=$1 bridge=$2
source "$(dirname "$0")/lib.sh"
tls_broker=$((broker_port + 13)) tls_broker_tls=$((broker_port + 14))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  "$root/tests/env/rabbitmq.sh" stop "$tls_broker" "$tmp/rabbit" > /dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
make_test_certs "$tmp"
start_tls_broker "$tls_broker" "$tls_broker_tls" "$tmp" "$tmp/rabbit"
# No vhost in the URL: replay uses each session's recorded one; amqp-stream's default is "/".
url="amqps://guest:guest@localhost:$tls_broker_tls"

# ---- amqp-replay
code=0
"$replay" "$root/samples/pcap/pika_lo.pcap" --target "$url" --ca "$tmp/ca.pem" > "$tmp/replay" 2>&1 \
  || code=$?
[ "$code" -eq 0 ] || fail "amqp-replay over amqps exited $code: $(cat "$tmp/replay")"
grep -q '^session [0-9:]*: equal' "$tmp/replay" || fail "amqp-replay over amqps: $(cat "$tmp/replay")"
code=0
"$replay" "$root/samples/pcap/pika_lo.pcap" --target "$url" > "$tmp/untrusted" 2>&1 || code=$?
[ "$code" -eq 2 ] || fail "amqp-replay, untrusted broker, exited $code: $(cat "$tmp/untrusted")"
grep -q 'certificate verify failed' "$tmp/untrusted" || fail "untrusted: $(cat "$tmp/untrusted")"

# ---- amqp-stream: a bridge pair over amqps in front of an echo server
tcp="$py $root/tests/integration/amqp_stream_tcp.py"
sink_port=$(free_port) echo_port=$(free_port) listen=$(free_port)
$tcp servers "$sink_port" "$echo_port" "$tmp/backends.ready" > "$tmp/backends.log" 2>&1 &
pids+=($!)
wait_for -f "$tmp/backends.ready"
"$bridge" server --url "$url" --ca "$tmp/ca.pem" --queue tls-echo --forward "127.0.0.1:$echo_port" \
  > "$tmp/server.log" 2>&1 &
pids+=($!)
wait_for_listening() {
  for _ in $(seq 100); do grep -qs listening "$1" && return 0; sleep 0.1; done
  fail "not listening: $(cat "$1")"
}
wait_for_listening "$tmp/server.log"
"$bridge" client --url "$url" --ca "$tmp/ca.pem" --queue tls-echo --listen "$listen" \
  > "$tmp/client.log" 2>&1 &
pids+=($!)
wait_for_listening "$tmp/client.log"
$tcp concurrent "$listen" 4 100000 || fail "echo over amqps: $(tail -3 "$tmp/client.log" "$tmp/server.log")"

code=0
timeout 30 "$bridge" client --url "$url" --queue tls-echo --listen "$(free_port)" \
  > "$tmp/untrusted-stream.log" 2>&1 || code=$?
[ "$code" -ne 0 ] || fail "amqp-stream accepted an untrusted broker"
grep -q 'TLS handshake failed: certificate verify failed (--ca FILE' "$tmp/untrusted-stream.log" \
  || fail "amqp-stream, untrusted: $(cat "$tmp/untrusted-stream.log")"
echo "tls_clients: ok"
