#!/usr/bin/env bash
# Runs the benchmarks of a Release build, with same-run baselines, and prints the machine.
#   tests/bench/run.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: tests/bench/run.sh BUILD_DIR}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seconds() { /usr/bin/time -f %e "$@" 2>&1 > /dev/null | tail -n 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "compiler: $(c++ --version | head -n 1); $(tshark --version 2> /dev/null | head -n 1)"
echo

echo "== codec: split and decode a mixed stream in memory (one core, best of 5)"
taskset -c 0 "$build/tests/bench/bench_decode" 200000 5 "$tmp/stream.bin"
echo

echo "== the same stream's first 40,000 messages end to end, one core each"
taskset -c 0 "$build/tests/bench/bench_decode" 40000 1 "$tmp/small.bin" > /dev/null
/usr/bin/python3 "$root/tests/bench/stream_to_pcap.py" "$tmp/small.bin" "$tmp/small.pcap"
mb=$(stat -c %s "$tmp/small.bin" | awk '{printf "%.1f", $1 / 1e6}')
frames=$(taskset -c 0 "$build/analyze/amqp-analyze" decode "$tmp/small.bin" | wc -l)
t_ours=$(seconds taskset -c 0 "$build/analyze/amqp-analyze" decode "$tmp/small.bin")
t_tshark=$(seconds taskset -c 0 tshark -r "$tmp/small.pcap" -d tcp.port==5672,amqp -T fields \
  -e amqp.channel -e amqp.method.class -e amqp.method.method 2> /dev/null)
tshark_frames=$(tshark -r "$tmp/small.pcap" -d tcp.port==5672,amqp -T fields -e amqp.type \
  | tr ',' '\n' | grep -c .)
printf '%-58s %8s %10s %12s\n' "command ($mb MB, AMQP frames seen)" seconds MB/s frames
printf '%-58s %8s %10.1f %12s\n' "amqp-analyze decode STREAM > /dev/null" "$t_ours" \
  "$(echo "$mb / $t_ours" | bc -l)" "$frames"
printf '%-58s %8s %10.1f %12s\n' "tshark -r PCAP -T fields -e amqp.channel -e amqp.method.*" \
  "$t_tshark" "$(echo "$mb / $t_tshark" | bc -l)" "$tshark_frames"

echo
echo "== capture writer: load average $(cut -d' ' -f1-3 /proc/loadavg); 2 producer threads, mix of publish/deliver (200-byte bodies)/ack frames"
cap_dir=$tmp/capture
mkdir -p "$cap_dir"
echo "-- flat out, producers wait for the writer (its sustained rate, nothing lost):"
"$build/tests/bench/bench_capture" "$cap_dir" 10000000 2 all
"$build/tests/bench/bench_capture" "$cap_dir" 10000000 2 none
"$build/tests/bench/bench_capture" "$cap_dir" 10000000 2 all 0 sessions=1000
"$build/tests/bench/bench_capture" "$cap_dir" 10000000 2 all 0 body200
echo "-- baseline, same run: format 1's six per-row frame indexes added to the same writer:"
"$build/tests/bench/bench_capture" "$cap_dir" 2000000 2 all 0 row-indexes
echo "-- baseline, same run: one thread INSERTing the same rows, one per statement, no index:"
"$build/tests/bench/bench_capture" "$cap_dir" 10000000 2 all 0 plain
"$build/tests/bench/bench_capture" "$cap_dir" 10000000 2 none 0 plain
echo "-- at a set rate with the default drop policy:"
"$build/tests/bench/bench_capture" "$cap_dir" 4000000 2 all 200000
"$build/tests/bench/bench_capture" "$cap_dir" 4000000 2 all 200000 sessions=1000

echo
echo "== proxy throughput: direct, HAProxy (TCP mode), amqpprox, amqpprox with full capture"
"$root/tests/bench/proxy_throughput.sh" "$build" 200000 16 3

echo
echo "== proxy side by side (issue 9): sink throughput, connection rate, latency, idle RSS; RabbitMQ CPU per message/connection"
"$root/tests/bench/proxy_bench.sh" "$build"

echo
echo "== amqp-analyze stats and trace over large captures =="
"$(dirname "$0")/analyze_bench.sh" "$build"

echo
echo "== amqp-analyze on a large pcap (import, trace) against tshark on the same file =="
"$root/tests/bench/pcap_bench.sh" "$build" 4000000

echo
echo "== amqp-replay: --speed 1 pacing and --speed max against a direct client =="
"$(dirname "$0")/replay_bench.sh" "$build" 100000 5
