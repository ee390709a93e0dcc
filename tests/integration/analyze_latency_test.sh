#!/usr/bin/env bash
# Latencies that amqp-analyze stats reports match delays we know: a consumer that sleeps
# 50 ms before each ack, and a publisher with confirms, through amqpprox with recording on.
# While the proxy records, `trace --follow` tails the capture and sees the frames go by.
#   analyze_latency_test.sh AMQPPROX AMQP_ANALYZE   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1
analyze=$2
source "$(dirname "$0")/lib.sh"
follow_pid=
cleanup() {
  [ -n "$follow_pid" ] && kill "$follow_pid" 2> /dev/null
  stop_proxy
  rm -rf "$tmp"
}
trap cleanup EXIT

cap=$tmp/latency.amqpcap
start_recording_proxy "$cap"
port=$proxy_port
wait_for -f "$cap"
"$analyze" trace "$cap" --follow --idle-exit 8000 > "$tmp/follow" 2> "$tmp/follow.err" &
follow_pid=$!

messages=20
delay_ms=50
$py - "$port" "$messages" "$delay_ms" > "$tmp/workload.log" 2>&1 << 'PY' || { cat "$tmp/workload.log"; fail "workload"; }
import sys, time, pika
port, messages, delay = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000
params = pika.ConnectionParameters("127.0.0.1", port, client_properties={"connection_name": "latency-test"})
conn = pika.BlockingConnection(params)
pub = conn.channel()
pub.confirm_delivery()  # each basic_publish waits for the broker's ack
pub.queue_declare("analyze-latency-q", auto_delete=False)
pub.queue_purge("analyze-latency-q")
for i in range(messages):
    pub.basic_publish("", "analyze-latency-q", b"m%d" % i)
sub = conn.channel()
sub.basic_qos(prefetch_count=1)
seen = 0
for method, props, body in sub.consume("analyze-latency-q"):
    time.sleep(delay)  # the consumer's known processing time
    sub.basic_ack(method.delivery_tag)
    seen += 1
    if seen == messages:
        break
sub.cancel()
pub.queue_delete("analyze-latency-q")
conn.close()
print("done", seen)
PY

# The tail saw the publishes while the proxy was still running.
for _ in $(seq 100); do
  [ "$(grep -c 'Basic.Publish' "$tmp/follow" || true)" -ge "$messages" ] && break
  sleep 0.1
done
[ "$(grep -c 'Basic.Publish' "$tmp/follow" || true)" -eq "$messages" ] \
  || fail "trace --follow saw $(grep -c 'Basic.Publish' "$tmp/follow" || true) publishes"
stop_proxy
kill "$follow_pid" 2> /dev/null || true
follow_pid=

"$analyze" stats "$cap" --by queue --format json > "$tmp/stats.json" || fail "stats exited $?"
$py - "$tmp/stats.json" "$messages" "$delay_ms" << 'PY' || fail "latencies: $(cat "$tmp/stats.json" | head -c 2000)"
import json, sys
s = json.load(open(sys.argv[1]))
messages, delay = int(sys.argv[2]), int(sys.argv[3]) * 1e6
ms = lambda ns: f"{ns / 1e6:.3f} ms"
q = s["by"]["queue"]["analyze-latency-q"]
t = s["overall"]["traffic"]
assert t["published"] == messages and t["confirmed"] == messages, t
assert q["traffic"]["delivered"] == messages and q["traffic"]["acked"] == messages, q["traffic"]
consumer = q["latency_ns"]["consumer"]
confirm = s["overall"]["latency_ns"]["confirm"]
print("consumer (deliver->ack): p50", ms(consumer["p50"]), "p99", ms(consumer["p99"]),
      "max", ms(consumer["max"]), "| confirm: p50", ms(confirm["p50"]), "max", ms(confirm["max"]))
# Tolerance: the sleep is a floor (less the histogram's 0.8%); the client's own work between
# the delivery reaching the proxy and its ack leaving is small: the median may be 25 ms over.
# The tail is the client's scheduling on a busy machine (one 124 ms ack was seen with other
# builds running), so it is only held to what would mean a wrong pairing of deliveries and
# acks: under two delays.
assert consumer["count"] == messages, consumer
assert consumer["min"] >= delay * 0.99, consumer
assert delay * 0.99 <= consumer["p50"] <= delay + 25e6, consumer
assert consumer["p99"] < 2 * delay + 25e6 or consumer["p90"] <= delay + 25e6, consumer
# Confirms: the broker acks a transient publish quickly; no consumer delay in them.
assert confirm["count"] == messages, confirm
assert 0 < confirm["p50"] < delay, confirm
rpc = s["overall"]["latency_ns"]["rpc"]
for name in ("connection.open", "channel.open", "confirm.select", "queue.declare", "basic.qos", "basic.consume"):
    assert rpc[name]["count"] >= 1, name
PY
"$analyze" sessions "$cap" | grep -q ' latency-test .* client closed 200' \
  || fail "sessions: $("$analyze" sessions "$cap")"
echo "analyze latencies: ok"
