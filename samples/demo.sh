#!/usr/bin/env bash
# The newcomer's demo (for now: the codec on a recorded RabbitMQ session; the proxy demo
# replaces it when the proxy lands).
#   samples/demo.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
analyze=$1/analyze/amqp-analyze
session=samples/amqp/pika_session.conn1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"

echo "\$ amqp-analyze --version"
"$analyze" --version
echo
echo "\$ amqp-analyze decode $session.client.bin | head -n 8"
"$analyze" decode "$session.client.bin" > "$tmp/client"
head -n 8 "$tmp/client" | cut -c1-160
echo
echo "\$ amqp-analyze decode --bodies 32 $session.server.bin | grep -m 2 -A 2 Basic.Deliver"
"$analyze" decode --bodies 32 "$session.server.bin" > "$tmp/server"
grep -m 2 -A 2 Basic.Deliver "$tmp/server" | cut -c1-160
echo
echo "decoded $(wc -l < "$tmp/client") client frames and $(wc -l < "$tmp/server") broker frames" \
  "of a real pika session (lines cut at 160 columns here)"
