#!/usr/bin/env bash
# The newcomer's demo: a throwaway RabbitMQ, amqpprox in front of it configured over its
# control socket with recording on, a short workload through it, what was recorded, and the
# recorded sessions replayed against the same broker with the diff's verdict.
# Everything it starts, it stops.
#   samples/demo.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
proxy=$build/proxy/amqpprox
ctl_bin=$build/proxy/amqpprox_ctl
analyze=$build/analyze/amqp-analyze
replay=$build/replay/amqp-replay
broker_port=${DEMO_BROKER_PORT:-5795}
proxy_port=${DEMO_PROXY_PORT:-5796}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/amqpprox-demo.XXXXXX")
sock=$tmp/amqpprox.sock
capture=$tmp/demo.amqpcap
proxy_pid=
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2> /dev/null && wait "$proxy_pid" 2> /dev/null
  "$root/tests/env/rabbitmq.sh" stop "$broker_port" "$tmp/rabbit" > /dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() {
  echo "\$ $*" | sed "s|$tmp|\$DEMO|g; s|$build/[a-z]*/||g"
  "$@" | sed "s|$tmp|\$DEMO|g"
}

say "1. A throwaway RabbitMQ on 127.0.0.1:$broker_port"
mkdir -p "$tmp/rabbit"
"$root/tests/env/rabbitmq.sh" start "$broker_port" "$tmp/rabbit"

say "2. amqpprox, configured over its control socket, recording into a capture"
"$proxy" --controlSocket "$sock" --logDirectory "$tmp/logs" --listenAddress 127.0.0.1 \
  > "$tmp/proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
run "$ctl_bin" "$sock" BACKEND ADD rabbit1 local 127.0.0.1 "$broker_port"
run "$ctl_bin" "$sock" FARM ADD local round-robin rabbit1
run "$ctl_bin" "$sock" MAP DEFAULT local
run "$ctl_bin" "$sock" CAPTURE START "$capture" bodies=all
run "$ctl_bin" "$sock" LISTEN START "$proxy_port"
run "$ctl_bin" "$sock" MAP PRINT

say "3. A workload through the proxy (samples/workloads/demo.py, pika)"
/usr/bin/python3 "$root/samples/workloads/demo.py" "$proxy_port"
run "$ctl_bin" "$sock" CAPTURE PRINT
run "$ctl_bin" "$sock" EXIT
wait "$proxy_pid"
proxy_pid=

say "4. What was recorded"
run "$analyze" info "$capture"
echo
run "$analyze" sessions "$capture"
echo
echo "\$ amqp-analyze trace \$DEMO/demo.amqpcap --session 1 --channel 1 | head -n 12 | cut -c 1-150"
"$analyze" trace "$capture" --session 1 --channel 1 > "$tmp/trace"
head -n 12 "$tmp/trace" | cut -c 1-150
echo
echo "\$ amqp-analyze stats \$DEMO/demo.amqpcap --by exchange   (excerpts)"
"$analyze" stats "$capture" --by exchange > "$tmp/stats"
sed -n '1,4p' "$tmp/stats"
grep -E '^(LATENCY|confirm|consumer|get) ' "$tmp/stats"
sed -n '/^EXCHANGE/,/^$/p' "$tmp/stats"
echo "\$ amqp-analyze follow \$DEMO/demo.amqpcap --exchange demo.orders --bodies 40 | head -n 3 | cut -c 1-180"
"$analyze" follow "$capture" --exchange demo.orders --bodies 40 > "$tmp/follow"
head -n 3 "$tmp/follow" | cut -c 1-180
echo
echo "\$ sqlite3 \$DEMO/demo.amqpcap \"SELECT f.seq, f.routing_key, f.size FROM keyed_frames AS kf JOIN frames AS f ON f.id = kf.frame WHERE kf.kind = 'exchange' AND kf.value = 'demo.orders' AND f.method = (60 << 16 | 40)\""
sqlite3 -header -column "$capture" \
  "SELECT f.seq, f.routing_key, f.size FROM keyed_frames AS kf JOIN frames AS f ON f.id = kf.frame WHERE kf.kind = 'exchange' AND kf.value = 'demo.orders' AND f.method = (60 << 16 | 40)"
if grep -aq 'not-the-password' "$capture"; then
  echo "the refused password is in the capture!" >&2
  exit 1
fi
echo
echo "The refused password is nowhere in the capture file (redaction is on by default)."

say "5. The recording replayed against the same broker (the workload deleted what it made)"
echo "\$ amqp-replay \$DEMO/demo.amqpcap --target amqp://guest:guest@127.0.0.1:$broker_port"
replay_code=0
"$replay" "$capture" --target "amqp://guest:guest@127.0.0.1:$broker_port" > "$tmp/replay" \
  || replay_code=$?
sed "s|$tmp|\$DEMO|g" "$tmp/replay"
echo "amqp-replay exit status: $replay_code (0: the broker answered as recorded)"
say "6. Stopping the broker; done."
