#!/usr/bin/env bash
# What a capturing amqpprox does over time beside RabbitMQ: one amqpprox with full capture in
# front of a throwaway broker, RUNS amqp_load runs (MESSAGES messages of BODY_BYTES published,
# then consumed), and every 0.1 s during each run and 1.5 s after it a line of: the time
# (seconds.fraction), CAPTURE PRINT's counters (written, dropped, spooled), the capture
# writer thread's CPU ticks (utime + stime) and the broker's. A diagnostic timeline (when
# the writer spends its CPU against the broker's), with no baseline path.
#   tests/bench/capture_timeline.sh BUILD_DIR [MESSAGES] [BODY_BYTES] [RUNS] [AMQPPROX]
# AMQPPROX: another amqpprox binary to watch instead of BUILD_DIR's.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
usage="usage: capture_timeline.sh BUILD_DIR [MESSAGES] [BODY_BYTES] [RUNS] [AMQPPROX]"
build=$(cd "${1:?$usage}" && pwd)
messages=${2:-200000}
body=${3:-16}
runs=${4:-2}
binary=${5:-$build/proxy/amqpprox}
broker=5995 port=5996
source "$root/tests/bench/lib.sh"
bench_setup capture-timeline

start_rabbitmq
beam=$started
start_amqpprox capture "$binary" "$port" "$broker" --capture "$tmp/capture.amqpcap" --bodies all
proxy=$started
writer_ticks() {
  local task
  for task in /proc/"$proxy"/task/*; do
    [[ $(cat "$task/comm") == capture-writer ]] && sed 's/.*) //' "$task/stat" | awk '{print $12 + $13}'
  done
}
poll() {
  while :; do
    printf '%s %s writer=%s broker=%s\n' "$(date +%S.%N | cut -c1-6)" \
      "$("$build/proxy/amqpprox_ctl" "$tmp/capture.sock" CAPTURE PRINT | sed 's/.*sessions=[0-9]* //')" \
      "$(writer_ticks)" "$(cpu_ticks "$beam")"
    sleep 0.1
  done
}
echo "start: $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg); $binary"
for run in $(seq "$runs"); do
  settle
  poll > "$tmp/poll.log" 2>&1 &
  poller=$!
  echo "run $run: publish, consume msg/s: $("$build/tests/bench/amqp_load" 127.0.0.1 "$port" q "$messages" "$body")"
  sleep 1.5
  kill "$poller"
  wait "$poller" 2> /dev/null || true
  cat "$tmp/poll.log"
done
