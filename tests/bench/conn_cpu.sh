#!/usr/bin/env bash
# CPU time a proxy process spends per AMQP connection against RabbitMQ: amqpprox from
# BUILD_DIR, HAProxy 2.6 in TCP mode and, when given, another amqpprox binary (an older
# build, for a before/after), taking turns ROUNDS times. Each run is CONNECTIONS rabbitmq-c
# connections in turn (amqp_load ... connect: login to Open-Ok, then close), and the figure is
# the process's utime + stime (/proc/PID/stat, 10 ms ticks) over the run / CONNECTIONS.
#   tests/bench/conn_cpu.sh BUILD_DIR [CONNECTIONS] [ROUNDS] [OTHER_AMQPPROX]
# Environment: PROXY_THREADS (2: amqpprox --threads and HAProxy nbthread).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: conn_cpu.sh BUILD_DIR [CONNECTIONS] [ROUNDS] [OTHER_AMQPPROX]}" && pwd)
connections=${2:-6000}
rounds=${3:-3}
other=${4:-}
threads=${PROXY_THREADS:-2}
broker=5891 haproxy_port=5892 amqpprox_port=5893 other_port=5894
source "$root/tests/bench/lib.sh"
bench_setup conn-cpu

start_rabbitmq
declare -A pid port
start_haproxy haproxy "$haproxy_port" "$broker" "$threads"
pid[haproxy]=$started port[haproxy]=$haproxy_port
proxy() {  # NAME BINARY PORT
  start_amqpprox "$1" "$2" "$3" "$broker" --threads "$threads"
  pid[$1]=$started port[$1]=$3
}
names=(amqpprox haproxy)
proxy amqpprox "$build/proxy/amqpprox" "$amqpprox_port"
if [ -n "$other" ]; then
  proxy other "$other" "$other_port"
  names+=(other)
fi
load=$build/tests/bench/amqp_load
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(haproxy -v | head -n 1 | cut -d' ' -f1-3); RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server)"
echo "start: $(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg); $connections connections a run; amqpprox --threads $threads, HAProxy nbthread $threads${other:+; other = $other}"
for name in "${names[@]}"; do "$load" 127.0.0.1 "${port[$name]}" unused 300 0 connect > /dev/null; done
for round in $(seq "$rounds"); do
  for name in "${names[@]}"; do
    before=$(awk '{print $14, $15}' "/proc/${pid[$name]}/stat")
    rate=$("$load" 127.0.0.1 "${port[$name]}" unused "$connections" 0 connect)
    after=$(awk '{print $14, $15}' "/proc/${pid[$name]}/stat")
    echo "$round $name $before $after $connections $rate" | awk '{u = $5 - $3; s = $6 - $4;
      printf "round %s  %-9s user %4d  sys %4d ticks  %6.1f us CPU per connection  (%s connections/s)\n",
        $1, $2, u, s, (u + s) * 10000 / $7, $8}'
  done
done
echo "end: load average $(cut -d' ' -f1-3 /proc/loadavg)"
