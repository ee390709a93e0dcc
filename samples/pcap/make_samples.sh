#!/usr/bin/env bash
# Regenerates the pcap samples: one run of pika_small.py against a throwaway RabbitMQ,
# captured at once by tcpdump on lo (Ethernet), tcpdump on any (Linux cooked v2) and
# dumpcap on lo (pcapng); plus a gzip copy of the first. Needs root (capturing).
#   samples/pcap/make_samples.sh [PORT]      (default 5797)
# With USE_RUNNING_BROKER=1 it uses a broker already listening on PORT instead of starting one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
port=${1:-5797}
dir=$(mktemp -d /tmp/amqpprox-pcap-samples.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  wait || true
  [[ -n "${USE_RUNNING_BROKER:-}" ]] || "$root/tests/env/rabbitmq.sh" stop "$port" "$dir/rmq" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

[[ -n "${USE_RUNNING_BROKER:-}" ]] || "$root/tests/env/rabbitmq.sh" start "$port" "$dir/rmq"
filter="tcp port $port"
tcpdump -i lo -B 32768 -n -s 0 -U --immediate-mode -Z root -w "$dir/pika_lo.pcap" "$filter" 2>"$dir/lo.err" &
pids+=($!)
tcpdump -i any -B 32768 -n -s 0 -U --immediate-mode -Z root -w "$dir/pika_any.pcap" "$filter" 2>"$dir/any.err" &
pids+=($!)
dumpcap -q -B 32 -i lo -f "$filter" -w "$dir/pika_lo.pcapng" 2>"$dir/ng.err" &
pids+=($!)
sleep 2  # let all three start listening
/usr/bin/python3 "$here/pika_small.py" "$port"
sleep 1  # the last FIN/ACKs
for pid in "${pids[@]}"; do kill -INT "$pid"; done
wait "${pids[@]}" || true
pids=()
cp "$dir/pika_lo.pcap" "$dir/pika_lo.pcapng" "$dir/pika_any.pcap" "$here/"
gzip -9 -n -c "$dir/pika_lo.pcap" >"$here/pika_lo.pcap.gz"
cat "$dir"/*.err >&2
ls -l "$here"/pika_*
"$here/edit_samples.py" "$here"
# What tcpdump -s 120 would have written: the five packets longer than that are cut.
editcap -s 120 "$here/pika_lo.pcap" "$here/pika_snaplen.pcap"
