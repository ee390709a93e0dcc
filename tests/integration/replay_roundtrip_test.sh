#!/usr/bin/env bash
# amqp-replay end to end: a pika session recorded through amqpprox (an exchange it declares,
# a server-named queue bound to it, confirmed publishes, a get, a consumer that acks some
# with multiple and nacks one, a transaction publishing to the server-named queue with
# reply-to naming it, close) is replayed against the same broker after its resources are
# gone: exit 0, no differences. Then the exchange is declared passive in a session of its
# own and replayed where the exchange is missing: exit 1, the 404 pointed at.
# The replay of the first session is itself recorded (--record) and read back with
# amqp-analyze sessions and trace.
#   replay_roundtrip_test.sh AMQPPROX AMQP_REPLAY AMQP_ANALYZE   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1
replay=$2
analyze=$3
source "$(dirname "$0")/lib.sh"

cap=$tmp/replay.amqpcap
start_recording_proxy "$cap"
port=$proxy_port
wait_for -f "$cap"

$py - "$port" > "$tmp/workload.log" 2>&1 << 'PY' || { cat "$tmp/workload.log"; fail "workload"; }
import sys, time, pika
port = int(sys.argv[1])
conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
ch = conn.channel()
ch.exchange_declare("replay-test-x", "direct", auto_delete=False)
q = ch.queue_declare("", exclusive=True).method.queue
ch.queue_bind(q, "replay-test-x", "k")
pub = conn.channel()
pub.confirm_delivery()
for i in range(5):
    pub.basic_publish("replay-test-x", "k", b"m%d" % i)
time.sleep(0.05)
method, props, body = ch.basic_get(q)
ch.basic_ack(method.delivery_tag)
seen = []
def on_message(c, m, p, b):
    seen.append(m.delivery_tag)
tag = ch.basic_consume(q, on_message)
while len(seen) < 4:
    conn.process_data_events(time_limit=0.1)
ch.basic_ack(seen[0])
ch.basic_ack(seen[2], multiple=True)
ch.basic_nack(seen[3], requeue=False)
ch.basic_cancel(tag)
tx = conn.channel()
tx.tx_select()
tx.basic_publish("", q, b"reply", pika.BasicProperties(reply_to=q))
tx.tx_commit()
time.sleep(0.05)
method, props, body = ch.basic_get(q)
assert body == b"reply" and props.reply_to == q, (body, props)
ch.basic_ack(method.delivery_tag)
conn.close()
# The passive declare, in a session of its own.
conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
ch = conn.channel(channel_number=7)  # so the replay can pick this session: --channel 7
ch.exchange_declare("replay-test-x", passive=True)
ch.queue_declare("", exclusive=True)
conn.close()
print("done")
PY
sleep 0.5
kill "$proxy_pid" && wait "$proxy_pid" 2> /dev/null || true
proxy_pid=

# Everything the sessions made is gone (the exclusive queues went with their connections).
delete_exchange() {
  $py - "$broker_port" << 'PY'
import sys, pika
conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", int(sys.argv[1])))
conn.channel().exchange_delete("replay-test-x")
conn.close()
PY
}
delete_exchange

target="amqp://guest:guest@127.0.0.1:$broker_port"
"$replay" "$cap" --target "$target" --dry-run > "$tmp/dry" || fail "dry run exited $?"
grep -q 'waits for Queue.Declare-Ok #1 on channel 1 (server-name' "$tmp/dry" \
  || fail "dry run: $(cat "$tmp/dry")"

# The first session replayed at the recorded pace, then as fast as its waits allow (the get
# after another channel's confirms and the one after its commit-ok wait for them).
for speed in 1 max; do
  code=0
  "$replay" "$cap" --method tx.select --target "$target" --speed $speed --timeout 3000 \
    > "$tmp/r1" 2>&1 || code=$?
  [ "$code" -eq 0 ] || fail "replay of the first session (speed $speed) exited $code: $(cat "$tmp/r1")"
  grep -q '^session [0-9]*: equal' "$tmp/r1" || fail "replay of the first session: $(cat "$tmp/r1")"
  # Each synchronous request's latency, recorded and replayed.
  grep -q '^  Tx.Commit x1: ' "$tmp/r1" || fail "no latencies: $(cat "$tmp/r1")"
  delete_exchange
done

# --record: the replayed traffic in a capture amqp-analyze reads, with the session row (addresses,
# vhost, user) and both directions.
rec=$tmp/replayed.amqpcap
"$replay" "$cap" --method tx.select --target "$target" --record "$rec" > "$tmp/r3" 2>&1 \
  || fail "replay with --record exited $?: $(cat "$tmp/r3")"
delete_exchange
"$analyze" sessions "$rec" > "$tmp/sessions" || fail "sessions on the recording exited $?"
[ "$(grep -c "127.0.0.1:$broker_port" "$tmp/sessions")" -eq 1 ] \
  || fail "sessions on the recording: $(cat "$tmp/sessions")"
grep -q ' guest ' "$tmp/sessions" || fail "no user in: $(cat "$tmp/sessions")"
"$analyze" trace "$rec" > "$tmp/trace" || fail "trace on the recording exited $?"
for m in Connection.Start-Ok Queue.Declare-Ok Confirm.Select Basic.Ack Tx.Commit-Ok \
  Connection.Close-Ok; do
  grep -q "$m" "$tmp/trace" || fail "trace of the recording lacks $m: $(head -50 "$tmp/trace")"
done
"$replay" "$cap" --method tx.select --target "$target" --record "$rec" > "$tmp/r4" 2>&1 \
  && fail "--record onto an existing file succeeded"
grep -q 'cannot create --record file' "$tmp/r4" || fail "--record onto an existing file: $(cat "$tmp/r4")"

# The second session where the exchange is missing: the passive declare gets a 404 in place of its
# declare-ok, on channel 7 at position 2.
code=0
"$replay" "$cap" --channel 7 --target "$target" --format json > "$tmp/r2.json" 2>&1 || code=$?
[ "$code" -eq 1 ] || fail "replay of the second session exited $code: $(cat "$tmp/r2.json")"
$py - "$tmp/r2.json" << 'PY' || fail "second session report: $(cat "$tmp/r2.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "different", r
d = r["sessions"][0]["differences"][0]
assert d["kind"] == "different" and d["channel"] == 7 and d["position"] == 2, d
assert d["recorded"].startswith("Exchange.Declare-Ok"), d
assert "Channel.Close reply_code=404" in d["replayed"], d
PY
echo "replay roundtrip: ok"
