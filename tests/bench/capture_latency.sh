#!/usr/bin/env bash
# Message latency through amqpprox with full capture, its capture threads at the normal
# priority and under --captureIdlePriority, beside the direct path: amqp_blast latency against
# the echo sink (CONNS connections x RATE messages/s, 100 B bodies, SECONDS a run, the first
# second dropped), the paths taking turns in each of ROUNDS rounds, each round once the machine
# has settled. Prints, per path, the round trip's and each direction's p50/p99 (µs) run by run.
#   tests/bench/capture_latency.sh BUILD_DIR [ROUNDS] [SECONDS]
# Environment: CONNS (4), RATE (500), THREADS (amqpprox --threads, 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: capture_latency.sh BUILD_DIR [ROUNDS] [SECONDS]}" && pwd)
rounds=${2:-5}
seconds=${3:-6}
conns=${CONNS:-4} rate=${RATE:-500} threads=${THREADS:-2}
broker=none sink=17901
source "$root/tests/bench/lib.sh"
bench_setup capture-latency

"$build/tests/bench/amqp_sink" "$sink" echo > /dev/null 2>&1 &
pids+=($!)
wait_port "$sink"
names=(direct capture capture-idle)
ports=("$sink" 17902 17903)
start_amqpprox 1 "$build/proxy/amqpprox" "${ports[1]}" "$sink" --threads "$threads" \
  --capture "$tmp/1.amqpcap" --bodies all
start_amqpprox 2 "$build/proxy/amqpprox" "${ports[2]}" "$sink" --threads "$threads" \
  --capture "$tmp/2.amqpcap" --bodies all --captureIdlePriority

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); amqpprox --threads $threads"
echo "workload: $conns connections x $rate msg/s, 100 B, $seconds s a run; start $(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-13s %22s %22s %22s\n' round path "round trip p50/p99" "client→server p50/p99" "server→client p50/p99"
for round in $(seq "$rounds"); do
  settle
  for i in "${!names[@]}"; do
    read -r _ p50 p99 _ _ out50 out99 back50 back99 < <("$build/tests/bench/amqp_blast" latency \
      127.0.0.1 "${ports[$i]}" "$conns" "$rate" "$seconds" 100)
    printf '%-6s %-13s %22s %22s %22s\n' "$round" "${names[$i]}" "$p50/$p99" "$out50/$out99" "$back50/$back99"
  done
done
for i in 1 2; do
  echo "${names[$i]}: $("$build/proxy/amqpprox_ctl" "$tmp/$i.sock" CAPTURE PRINT | sed "s|$tmp/||")"
done
echo "end: $(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
