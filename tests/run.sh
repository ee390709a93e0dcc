#!/usr/bin/env bash
# Runs the whole test suite of a configured and built tree: the unit tests and the
# broker-backed tests, against a throwaway RabbitMQ on loopback that this script starts
# and stops.
#   tests/run.sh BUILD_DIR [ctest args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: tests/run.sh BUILD_DIR [ctest args...]}
shift

port=${AMQPPROX_TEST_AMQP_PORT:-5790}
dir=$(mktemp -d "${TMPDIR:-/tmp}/amqpprox-rabbit.XXXXXX")
cleanup() {
  "$root/tests/env/rabbitmq.sh" stop "$port" "$dir" > /dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"$root/tests/env/rabbitmq.sh" start "$port" "$dir"
export AMQPPROX_TEST_AMQP_PORT=$port
export AMQPPROX_TEST_RABBITMQ_DIR=$dir

ctest --test-dir "$build" --output-on-failure --timeout 600 -j2 "$@"
