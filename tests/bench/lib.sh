# Shared by the bench scripts that start processes and a throwaway RabbitMQ; sourced after
# `set -euo pipefail` with root and broker (the RabbitMQ port) set. bench_setup NAME sets tmp
# (a fresh directory) and pids (append every process started), and an EXIT trap that stops
# them, stops the broker whose data is in $tmp/rabbit, and removes tmp.
bench_setup() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/amqpprox-$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  "$root/tests/env/rabbitmq.sh" stop "$broker" "$tmp/rabbit" > /dev/null 2>&1 || true
  rm -rf "$tmp"
}
