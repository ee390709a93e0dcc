#!/usr/bin/env bash
# `amqp-analyze follow --amqp-stream` gives back, byte for byte, what two amqp-stream peers
# (tests/integration/amqp_stream_peer.py, the Go library's wire protocol in pika) sent each
# other through a real RabbitMQ while amqpprox recorded:
#   a) both ends through the proxy: each direction is read from the deliveries;
#   b) only the client through the proxy: the client's publishes carry one direction.
# `follow` (no --amqp-stream) shows the same messages reassembled.
#   follow_amqp_stream_test.sh AMQPPROX AMQP_ANALYZE   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1
analyze=$2
source "$(dirname "$0")/lib.sh"
cap=$tmp/streams.amqpcap
start_recording_proxy "$cap"
port=$proxy_port

peer="$py $root/tests/integration/amqp_stream_peer.py"
head -c 1500000 /dev/urandom > "$tmp/up"    # client -> server
head -c 700000 /dev/urandom > "$tmp/down"   # server -> client

# Runs one stream: the server on SERVER_PORT, the client on CLIENT_PORT, control queue NAME.
run_stream() {
  local name=$1 server_port=$2 client_port=$3
  rm -f "$tmp/$name.ready"
  $peer server "$server_port" "$name" "$tmp/down" "$tmp/$name.server-got" "$tmp/$name.ready" \
    > "$tmp/$name.server.log" 2>&1 &
  local server_pid=$!
  wait_for -f "$tmp/$name.ready"
  timeout 60 $peer client "$client_port" "$name" "$tmp/up" "$tmp/$name.client-got" \
    > "$tmp/$name.client.log" 2>&1 || { cat "$tmp/$name.client.log"; fail "client $name"; }
  wait "$server_pid" || { cat "$tmp/$name.server.log"; fail "server $name"; }
  # The peers themselves got the bytes across.
  cmp "$tmp/up" "$tmp/$name.server-got" || fail "$name: the server did not get the upstream"
  cmp "$tmp/down" "$tmp/$name.client-got" || fail "$name: the client did not get the downstream"
}
run_stream both-ends "$port" "$port"
run_stream client-only "$broker_port" "$port"
stop_proxy

# a) both ends recorded.
"$analyze" follow --amqp-stream "$cap" --queue both-ends -o "$tmp/a" > "$tmp/a.out" 2> "$tmp/a.err" \
  || fail "follow a exited $?: $(cat "$tmp/a.out" "$tmp/a.err")"
cmp "$tmp/up" "$tmp/a/stream-1.client-to-server" || fail "a: client-to-server differs"
cmp "$tmp/down" "$tmp/a/stream-1.server-to-client" || fail "a: server-to-client differs"
grep -q 'control queue "both-ends"' "$tmp/a.out" || fail "a: $(cat "$tmp/a.out")"
[ "$(grep -c 'ended \[from deliveries\]' "$tmp/a.out")" = 2 ] || fail "a: $(cat "$tmp/a.out")"

# b) only the client recorded; and both streams found when not selected.
"$analyze" follow --amqp-stream "$cap" -o "$tmp/b" --format json > "$tmp/b.out" 2> "$tmp/b.err" \
  || fail "follow b exited $?: $(cat "$tmp/b.out" "$tmp/b.err")"
[ "$(wc -l < "$tmp/b.out")" = 2 ] || fail "b: expected two streams: $(cat "$tmp/b.out")"
n=$($py -c 'import json,sys
for line in open(sys.argv[1]):
    s = json.loads(line)
    if s["control_queue"] == "client-only":
        assert s["exact"] and s["server_session"] == "", s
        assert s["client_to_server"]["source"] == "publishes", s
        assert s["server_to_client"]["source"] == "deliveries", s
        print(s["stream"])' "$tmp/b.out") || fail "b: $(cat "$tmp/b.out")"
cmp "$tmp/up" "$tmp/b/stream-$n.client-to-server" || fail "b: client-to-server differs"
cmp "$tmp/down" "$tmp/b/stream-$n.server-to-client" || fail "b: server-to-client differs"

# Plain follow: the handshake request is a whole message with its reply-to.
"$analyze" follow "$cap" --routing-key both-ends --bodies 0 > "$tmp/f.out" \
  || fail "follow exited $?"
grep -q 'C->B  ch[0-9]*  Basic.Publish exchange="" routing_key="both-ends"  0 bytes  delivery_mode=1 reply_to="amq.gen-' "$tmp/f.out" \
  || fail "follow: $(cat "$tmp/f.out")"
echo "follow --amqp-stream: ok"
