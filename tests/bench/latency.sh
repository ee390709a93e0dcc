#!/usr/bin/env bash
# Per-frame latency alone, at a moderate fixed rate, through the echo sink: the direct path,
# HAProxy 2.6 in TCP mode and amqpprox (capture off) taking turns ROUNDS times, each round
# once the machine has settled. Prints each run's p50/p99 per direction and the p99 each
# proxy adds (path p99 minus the direct p99 of the same round), as proxy_bench.sh does,
# without its throughput, connection and RabbitMQ parts.
# With OTHER_ARGS set, a second amqpprox of the same build with those options takes its turn
# too (amqpprox+, e.g. OTHER_ARGS="--networkPriority batch").
#   tests/bench/latency.sh BUILD_DIR [ROUNDS] [SECONDS]
# Environment: PROXY_THREADS (2), LAT_CONNS (4), LAT_RATE (500 messages/s per connection);
# PROXY_CPUS and PEER_CPUS (taskset lists, e.g. 1 and 0) pin both proxies, and the sink with
# the client, so that a proxy has a core nothing else wakes on; HOGS (0) busy loops run through
# each round's measurements (started once the machine has settled), for the latency when no
# CPU is idle.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: latency.sh BUILD_DIR [ROUNDS] [SECONDS]}" && pwd)
rounds=${2:-5}
seconds=${3:-8}
threads=${PROXY_THREADS:-2}
lat_conns=${LAT_CONNS:-4}
lat_rate=${LAT_RATE:-500}
sink=17651 haproxy_port=17652 amqpprox_port=17653 other_port=17654
source "$root/tests/bench/lib.sh"
bench_setup latency

peer() { if [[ -n ${PEER_CPUS:-} ]]; then taskset -c "$PEER_CPUS" "$@"; else "$@"; fi; }
peer "$build/tests/bench/amqp_sink" "$sink" echo > "$tmp/sink.log" 2>&1 &
pids+=($!)
wait_port "$sink"
start_haproxy haproxy "$haproxy_port" "$sink" "$threads"
start_amqpprox amqpprox "$build/proxy/amqpprox" "$amqpprox_port" "$sink" --threads "$threads"
names=(direct haproxy amqpprox)
if [[ -n ${OTHER_ARGS:-} ]]; then
  # shellcheck disable=SC2086 # OTHER_ARGS: options, split at spaces
  start_amqpprox other "$build/proxy/amqpprox" "$other_port" "$sink" --threads "$threads" $OTHER_ARGS
  names+=(amqpprox+)
fi
if [[ -n ${PROXY_CPUS:-} ]]; then
  for p in "${pids[@]:1}"; do taskset -a -cp "$PROXY_CPUS" "$p" > /dev/null; done
fi

declare -A port=([direct]=$sink [haproxy]=$haproxy_port [amqpprox]=$amqpprox_port [amqpprox+]=$other_port)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(haproxy -v | head -n 1 | cut -d' ' -f1-3)"
echo "settings: $lat_conns connections x $lat_rate msg/s, 100 B bodies, $seconds s a run (first second dropped), amqpprox --threads $threads, HAProxy nbthread $threads${OTHER_ARGS:+, amqpprox+ = amqpprox $OTHER_ARGS}${PROXY_CPUS:+, proxies on CPUs $PROXY_CPUS}${PEER_CPUS:+, sink and client on CPUs $PEER_CPUS}${HOGS:+, $HOGS busy loops during the runs}; start $(date -u +%H:%M:%S) UTC"
printf '%-6s %-9s %9s %9s %9s %9s %9s %9s\n' round path "c->s p50" "c->s p99" "s->c p50" \
  "s->c p99" "added c>s" "added s>c"
hogs=${HOGS:-0}
for round in $(seq "$rounds"); do
  settle
  hog_pids=()
  for _ in $(seq "$hogs"); do
    sh -c 'while :; do :; done' &
    hog_pids+=($!)
    pids+=($!)
  done
  declare -A out99 back99
  for name in "${names[@]}"; do
    read -r _ _ _ _ _ out50 out99[$name] back50 back99[$name] < <(peer "$build/tests/bench/amqp_blast" \
      latency 127.0.0.1 "${port[$name]}" "$lat_conns" "$lat_rate" "$seconds" 100)
    added_out=- added_back=-
    if [[ $name != direct ]]; then
      added_out=$(awk -v a="${out99[$name]}" -v b="${out99[direct]}" 'BEGIN {printf "%.1f", a - b}')
      added_back=$(awk -v a="${back99[$name]}" -v b="${back99[direct]}" 'BEGIN {printf "%.1f", a - b}')
    fi
    printf '%-6s %-9s %9s %9s %9s %9s %9s %9s\n' "$round" "$name" "$out50" "${out99[$name]}" \
      "$back50" "${back99[$name]}" "$added_out" "$added_back"
  done
  if ((hogs > 0)); then kill "${hog_pids[@]}" 2> /dev/null || true; fi
done
echo "end: $(date -u +%H:%M:%S) UTC"
