#!/usr/bin/env bash
# CPU time a proxy process spends per message against RabbitMQ, capture off: amqpprox from
# BUILD_DIR, HAProxy 2.6 in TCP mode and, when given, another amqpprox binary (an older build,
# for a before/after), taking turns ROUNDS times, each run once the machine has settled. A
# run is one rabbitmq-c client publishing MESSAGES messages of BODY_BYTES (no confirms), then
# consuming them (amqp_load, as in proxy_bench.sh); the figure is the process's utime + stime
# (/proc/PID/stat, 10 ms ticks) over the run / (2 x MESSAGES), each message counted going in
# and coming out. It prints each run, then the medians.
#   tests/bench/message_cpu.sh BUILD_DIR [MESSAGES] [BODY_BYTES] [ROUNDS] [OTHER_AMQPPROX]
# Environment: PROXY_THREADS (1: amqpprox --threads, both builds, and HAProxy nbthread);
# OTHER_ARGS: options for the other amqpprox only (with this build's binary as the other, a
# before/after of an option, e.g. "--networkPriority batch").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
usage="usage: message_cpu.sh BUILD_DIR [MESSAGES] [BODY_BYTES] [ROUNDS] [OTHER_AMQPPROX]"
build=$(cd "${1:?$usage}" && pwd)
messages=${2:-200000}
body=${3:-100}
rounds=${4:-15}
other=${5:-}
threads=${PROXY_THREADS:-1}
broker=5991 haproxy_port=5992 amqpprox_port=5993 other_port=5994
source "$root/tests/bench/lib.sh"
bench_setup message-cpu

start_broker_paths "$build" "$other" "$threads"
declare -A runs
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(haproxy -v | head -n 1 | cut -d' ' -f1-3); RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server)"
echo "start: $(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg); $messages messages of $body B a run; amqpprox --threads $threads, HAProxy nbthread $threads${other:+; other = $other ${OTHER_ARGS:-}}"
for round in $(seq "$rounds"); do
  for name in "${names[@]}"; do
    settle
    before=$(cpu_ticks "${pid[$name]}")
    read -r pub con < <("$build/tests/bench/amqp_load" 127.0.0.1 "${port[$name]}" "q-$name" "$messages" "$body")
    after=$(cpu_ticks "${pid[$name]}")
    us=$(awk -v t=$((after - before)) -v m="$messages" 'BEGIN {printf "%.2f", t * 10000 / (2 * m)}')
    runs[$name]+=" $us"
    printf 'round %-3s %-9s %4d ticks  %5s us CPU per message  (publish %s, consume %s msg/s)\n' \
      "$round" "$name" $((after - before)) "$us" "$pub" "$con"
  done
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for name in "${names[@]}"; do echo "median $name: $(median <<< "${runs[$name]}") us CPU per message"; done
echo "end: $(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
