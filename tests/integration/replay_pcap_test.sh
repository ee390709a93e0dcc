#!/usr/bin/env bash
# amqp-replay on pcap input: samples/pcap's pika session (declare a queue, three publishes
# with confirms, three gets acked, delete the queue), captured with tcpdump against another
# broker on this machine, replayed against the test broker: exit 0, equal, with the
# confirms' latencies. The same connection captured as pcapng gives the same result.
#   replay_pcap_test.sh AMQP_REPLAY   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
replay=$1
source "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT
samples=$root/samples/pcap
target="amqp://guest:guest@127.0.0.1:$broker_port"

for input in pika_lo.pcap pika_lo.pcapng; do
  code=0
  "$replay" "$samples/$input" --target "$target" --timeout 3000 > "$tmp/out" 2>&1 || code=$?
  [ "$code" -eq 0 ] || fail "replay of $input exited $code: $(cat "$tmp/out")"
  grep -q '^session [0-9:]*: equal' "$tmp/out" || fail "replay of $input: $(cat "$tmp/out")"
  grep -q '^1 sessions: 1 equal, 0 different, 0 errors$' "$tmp/out" \
    || fail "replay of $input: $(cat "$tmp/out")"
  # Each confirm's latency, publish to ack, recorded and replayed; and the get's.
  grep -q '^  Basic.Publish confirm x3: ' "$tmp/out" || fail "no confirm latencies: $(cat "$tmp/out")"
  grep -q '^  Basic.Get x3: ' "$tmp/out" || fail "no get latencies: $(cat "$tmp/out")"
done

"$replay" "$samples/pika_lo.pcap" --target "$target" --format json > "$tmp/out.json" \
  || fail "json replay exited $?: $(cat "$tmp/out.json")"
$py - "$tmp/out.json" << 'PY' || fail "json report: $(cat "$tmp/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "equal", r
c = r["latency_ns"]["Basic.Publish confirm"]
assert c["count"] == 3 and 0 < c["recorded"]["p50"] <= c["recorded"]["p99"], c
assert 0 < c["replayed"]["p50"] <= c["replayed"]["max"], c
PY

echo "replay pcap: ok"
