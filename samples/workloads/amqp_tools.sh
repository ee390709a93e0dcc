#!/usr/bin/env bash
# Golden workload with amqp-tools 0.11 (rabbitmq-c): each command is its own
# AMQP connection, with rabbitmq-c's client properties and framing.
#
#   samples/workloads/amqp_tools.sh PORT    (broker on 127.0.0.1:PORT, guest/guest)
#
# Connections, in order:
#   1 amqp-declare-queue  durable queue golden.tools
#   2 amqp-publish        persistent, content-type, content-encoding, reply-to, 2 headers
#   3 amqp-publish -l     three messages from three stdin lines, heartbeat 10
#   4 amqp-get            basic.get no-ack (get-ok)
#   5 amqp-get            basic.get no-ack (get-ok)
#   6 amqp-consume -c 2   basic.qos, basic.consume, 2 deliveries + acks (exactly 2 left)
#   7 amqp-get            basic.get on the now empty queue (get-empty)
#   8 amqp-delete-queue   queue.delete
set -euo pipefail

if (($# != 1)) || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 PORT" >&2
  exit 2
fi
url="amqp://guest:guest@127.0.0.1:$1"
q=golden.tools

step() { echo "amqp_tools: $*"; }

step "declare $q"
amqp-declare-queue --url="$url" -d -q "$q" >/dev/null

step "publish with properties and headers"
amqp-publish --url="$url" -r "$q" -p -C text/plain -E utf-8 -t golden.reply \
  -H "x-golden: amqp-tools" -H "x-second: 2" -b "hello from amqp-tools"

step "publish three lines"
printf 'line one\nline two\nline three\n' |
  amqp-publish --url="$url" --heartbeat=10 -r "$q" -l -C text/plain

expect_get() {
  local got
  got=$(amqp-get --url="$url" -q "$q")
  if [[ "$got" != "$1" ]]; then
    echo "amqp_tools: amqp-get returned '$got', expected '$1'" >&2
    exit 1
  fi
}

step "get two"
expect_get "hello from amqp-tools"
expect_get "line one"

step "consume two"
got=$(amqp-consume --url="$url" -q "$q" -c 2 -p 2 cat)
if [[ "$got" != $'line two\nline three' ]]; then
  echo "amqp_tools: amqp-consume returned '$got'" >&2
  exit 1
fi

step "get-empty"
if amqp-get --url="$url" -q "$q" >/dev/null 2>&1; then
  echo "amqp_tools: amqp-get on an empty queue returned a message" >&2
  exit 1
fi

step "delete $q"
amqp-delete-queue --url="$url" -q "$q" >/dev/null
step "ok"
