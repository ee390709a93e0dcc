#!/usr/bin/env bash
# Throughput and latency of the amqp-stream bridge against a RabbitMQ on loopback, with
# direct TCP to the same backends, the stream API alone (amqp-stream-bench: publish with
# confirms and consume through the broker, no TCP hops) and, when AMQP_LOAD names
# tests/bench's rabbitmq-c load generator, the broker's plain publish/consume rate of 64 KiB
# messages (no confirms, a client that is not this project's) as the same-run baselines.
#   [AMQP_LOAD=build/release/tests/bench/amqp_load] samples/amqp-stream/bench.sh AMQP_STREAM \
#     BROKER_PORT [MB] [ROUND_TRIPS]
set -euo pipefail
bridge=$1
broker_port=$2
mb=${3:-200}
trips=${4:-2000}
root=$(cd "$(dirname "$0")/../.." && pwd)
tcp="python3 $root/tests/integration/amqp_stream_tcp.py"
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; rm -rf "$tmp"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { for _ in $(seq 50); do grep -qs listening "$1" && return 0; sleep 0.1; done; cat "$1"; exit 1; }

sink=$(port); echo_port=$(port)
$tcp servers "$sink" "$echo_port" "$tmp/ready" & pids+=($!)
for _ in $(seq 50); do [ -f "$tmp/ready" ] && break; sleep 0.1; done
url="amqp://guest:guest@127.0.0.1:$broker_port/"
pair() {  # pair NAME BACKEND: sets pair_port to the client's port
  local p; p=$(port)
  "$bridge" server --url "$url" --queue "bench-$1" --forward "127.0.0.1:$2" > "$tmp/$1.s" 2>&1 &
  pids+=($!); listening "$tmp/$1.s" > /dev/null
  "$bridge" client --url "$url" --queue "bench-$1" --listen "$p" > "$tmp/$1.c" 2>&1 &
  pids+=($!); listening "$tmp/$1.c" > /dev/null
  pair_port=$p
}
pair bulk "$sink"; bulk_port=$pair_port
pair ping "$echo_port"; ping_port=$pair_port
echo "bulk $mb MB, direct TCP:    $($tcp bulk "$sink" "$mb")"
echo "bulk $mb MB, bridge:        $($tcp bulk "$bulk_port" "$mb")"
echo "bulk $mb MB, stream API:    $("$(dirname "$bridge")/amqp-stream-bench" "$url" "$mb")"
if [ -n "${AMQP_LOAD:-}" ]; then
  messages=$((mb * 1000000 / 65536))
  read -r pub con < <("$AMQP_LOAD" 127.0.0.1 "$broker_port" bench-plain "$messages" 65536)
  echo "bulk $mb MB, rabbitmq-c plain publish / consume: $(echo "scale=0; $pub * 65536 / 1000000" | bc) / $(echo "scale=0; $con * 65536 / 1000000" | bc) MB/s"
fi
echo "1-byte ping-pong, direct:   $($tcp pingpong "$echo_port" "$trips")"
echo "1-byte ping-pong, bridge:   $($tcp pingpong "$ping_port" "$trips")"
