#!/usr/bin/env bash
# The system calls a proxy process makes per message against RabbitMQ, capture off: amqpprox
# from BUILD_DIR, HAProxy 2.6 in TCP mode and, when given, another amqpprox binary, taking
# turns ROUNDS times once the machine has settled. A run is message_cpu.sh's (one rabbitmq-c
# client publishing MESSAGES messages of BODY_BYTES, then consuming them); perf counts the
# process's recvfrom (and those that found nothing, EAGAIN), sendto, epoll_wait and
# epoll_ctl calls over the run. Prints each run's counts per message (in and out counted
# apart, so 2 x MESSAGES) and its CPU time (utime + stime).
#   tests/bench/syscalls.sh BUILD_DIR [MESSAGES] [BODY_BYTES] [ROUNDS] [OTHER_AMQPPROX]
# Environment: PROXY_THREADS (2), OTHER_ARGS (options for the other amqpprox only). Needs
# perf and root (tracepoints).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
usage="usage: syscalls.sh BUILD_DIR [MESSAGES] [BODY_BYTES] [ROUNDS] [OTHER_AMQPPROX]"
build=$(cd "${1:?$usage}" && pwd)
messages=${2:-200000}
body=${3:-100}
rounds=${4:-3}
other=${5:-}
threads=${PROXY_THREADS:-2}
broker=5981 haproxy_port=5982 amqpprox_port=5983 other_port=5984
command -v perf > /dev/null || { echo "syscalls.sh: needs perf (apt-get install linux-perf)" >&2; exit 1; }
source "$root/tests/bench/lib.sh"
bench_setup syscalls

start_broker_paths "$build" "$other" "$threads"
events=(syscalls:sys_enter_recvfrom syscalls:sys_exit_recvfrom syscalls:sys_enter_sendto
  syscalls:sys_enter_epoll_wait syscalls:sys_enter_epoll_ctl)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(haproxy -v | head -n 1 | cut -d' ' -f1-3); RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server)"
echo "start: $(date -u +%H:%M) UTC; $messages messages of $body B a run; amqpprox --threads $threads, HAProxy nbthread $threads${other:+; other = $other ${OTHER_ARGS:-}}"
printf '%-5s %-9s %7s %9s %9s %9s %11s %9s\n' round path "CPU µs" recvfrom "(EAGAIN)" sendto epoll_wait epoll_ctl
for round in $(seq "$rounds"); do
  for name in "${names[@]}"; do
    settle
    before=$(cpu_ticks "${pid[$name]}")
    # The exit event, filtered, counts the reads that found nothing.
    perf stat -x, -o "$tmp/stat" -p "${pid[$name]}" -e "${events[0]}" -e "${events[1]}" \
      --filter 'ret == -11' -e "${events[2]}" -e "${events[3]}" -e "${events[4]}" -- \
      "$build/tests/bench/amqp_load" 127.0.0.1 "${port[$name]}" "q-$name" "$messages" "$body" > /dev/null
    after=$(cpu_ticks "${pid[$name]}")
    awk -F, -v r="$round" -v n="$name" -v m=$((2 * messages)) -v t=$((after - before)) '
      $3 ~ /sys_enter_recvfrom/ {recv = $1} $3 ~ /sys_exit_recvfrom/ {again = $1}
      $3 ~ /sendto/ {send = $1} $3 ~ /epoll_wait/ {wait = $1} $3 ~ /epoll_ctl/ {ctl = $1}
      END {printf "%-5s %-9s %7.2f %9.3f %9.3f %9.3f %11.3f %9.4f\n", r, n, t * 10000 / m,
        recv / m, again / m, send / m, wait / m, ctl / m}' "$tmp/stat"
  done
done
echo "(per message, each way counted: 2 x $messages)"
echo "end: $(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
