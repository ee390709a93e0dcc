#!/usr/bin/env bash
# The amqp-stream API against the test RabbitMQ: timeouts, close waking reads, half-close,
# returns as errors, several streams on one connection (tests/samples/amqp_stream_api_check.cpp).
#   amqp_stream_api_test.sh AMQP_STREAM_API_CHECK   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
check=$1
source "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT
timeout 30 "$check" "amqp://guest:guest@127.0.0.1:$broker_port/"
