#!/usr/bin/env bash
# Pass-through throughput alone, for a before/after: the discard sink reached directly,
# through HAProxy 2.6 in TCP mode, through amqpprox (capture off) and through another
# amqpprox build (OTHER_AMQPPROX), taking turns ROUNDS times, each round once the machine has
# settled. Each run is amqp_blast throughput with 4 publishing connections for 4 s, as in
# proxy_bench.sh; it prints MB/s of message bodies per run, then the medians.
#   tests/bench/pass_through.sh BUILD_DIR OTHER_AMQPPROX [ROUNDS] [BODY_BYTES]
# Environment: PROXY_THREADS (1: amqpprox --threads, both builds, and HAProxy nbthread).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
usage="usage: pass_through.sh BUILD_DIR OTHER_AMQPPROX [ROUNDS] [BODY_BYTES]"
build=$(cd "${1:?$usage}" && pwd)
other=$(realpath "${2:?$usage}")
rounds=${3:-7}
body=${4:-100}
threads=${PROXY_THREADS:-1}
sink=17661 haproxy_port=17662 amqpprox_port=17663 other_port=17664
source "$root/tests/bench/lib.sh"
bench_setup pass-through

"$build/tests/bench/amqp_sink" "$sink" discard > "$tmp/sink.log" 2>&1 &
pids+=($!)
wait_port "$sink"
start_haproxy haproxy "$haproxy_port" "$sink" "$threads"
start_amqpprox amqpprox "$build/proxy/amqpprox" "$amqpprox_port" "$sink" --threads "$threads"
start_amqpprox other "$other" "$other_port" "$sink" --threads "$threads"

names=(direct haproxy amqpprox other)
declare -A port=([direct]=$sink [haproxy]=$haproxy_port [amqpprox]=$amqpprox_port [other]=$other_port)
declare -A runs
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(haproxy -v | head -n 1 | cut -d' ' -f1-3)"
echo "settings: 4 publishing connections, 4 s a run, $body B bodies, amqpprox --threads $threads, HAProxy nbthread $threads; other = $other; start $(date -u +%H:%M:%S) UTC"
printf '%-6s %10s %10s %10s %10s   (MB/s of message bodies)\n' round "${names[@]}"
for round in $(seq "$rounds"); do
  settle
  line=$(printf '%-6s' "$round")
  for name in "${names[@]}"; do
    read -r _ _ _ mbs _ < <("$build/tests/bench/amqp_blast" throughput 127.0.0.1 "${port[$name]}" 4 4 "$body")
    runs[$name]+=" $mbs"
    line+=$(printf ' %10s' "$mbs")
  done
  echo "$line"
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
line=$(printf '%-6s' median)
for name in "${names[@]}"; do line+=$(printf ' %10s' "$(median <<< "${runs[$name]}")"); done
echo "$line"
echo "end: $(date -u +%H:%M:%S) UTC"
