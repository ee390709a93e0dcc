#!/usr/bin/env bash
# Regenerates the golden AMQP samples in samples/amqp/ end to end:
#   1. starts a throwaway RabbitMQ on 127.0.0.1:PORT (tests/env/rabbitmq.sh),
#      with RABBIT-CR-DEMO added to the login mechanisms (connection.secure)
#   2. for each workload: tcpdump on lo, run the workload, stop tcpdump (SIGINT)
#        pika_session.pcap  samples/workloads/golden_session.py (one pika connection)
#        amqp_tools.pcap    samples/workloads/amqp_tools.sh     (eight rabbitmq-c connections)
#        raw_methods.pcap   samples/workloads/raw_methods.py    (two hand-framed connections)
#   3. extracts every connection's two byte streams (samples/amqp/extract_streams.py)
#      into samples/amqp/*.connN.{client,server}.bin, walks their frames and writes
#      samples/amqp/streams.json
#   4. stops the broker, its epmd and tcpdump
#
# usage: samples/make_golden.sh [PORT]      (default 5720; needs root for tcpdump)
# Environment: GOLDEN_KEEP_DIR=1 keeps the broker's directory (logs) afterwards.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${1:-5720}
OUT="$ROOT/samples/amqp"
WORK="$ROOT/samples/workloads"
RMQ="$ROOT/tests/env/rabbitmq.sh"
PY=/usr/bin/python3 # Debian's python3: the one with python3-pika

die() {
  echo "make_golden: error: $*" >&2
  exit 1
}

[[ "$PORT" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$PORT'"
for tool in tcpdump tshark amqp-publish epmd; do
  command -v "$tool" >/dev/null || die "$tool not found: run tests/env/install-deps.sh"
done
"$PY" -c 'import pika' 2>/dev/null || die "$PY has no pika: apt-get install python3-pika"
if [[ $(id -u) -ne 0 ]]; then
  die "capturing on lo needs root (tcpdump)"
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/amqpprox-golden.XXXXXX")
TCPDUMP_PID=""
ok=0

cleanup() {
  if [[ -n "$TCPDUMP_PID" ]] && kill -0 "$TCPDUMP_PID" 2>/dev/null; then
    kill -INT "$TCPDUMP_PID" 2>/dev/null || true
    wait "$TCPDUMP_PID" 2>/dev/null || true
  fi
  "$RMQ" stop "$PORT" "$DIR" || true
  if [[ $ok -eq 1 && -z "${GOLDEN_KEEP_DIR:-}" ]]; then
    rm -rf "$DIR"
  else
    echo "make_golden: broker directory (logs) kept in $DIR" >&2
  fi
}
trap cleanup EXIT

# RABBIT-CR-DEMO (built into RabbitMQ, off by default) is the only way to get a
# real connection.secure / secure-ok exchange out of RabbitMQ.
RABBITMQ_SH_EXTRA_CONF=$'auth_mechanisms.1 = PLAIN\nauth_mechanisms.2 = AMQPLAIN\nauth_mechanisms.3 = RABBIT-CR-DEMO' \
  "$RMQ" start "$PORT" "$DIR"

# capture NAME COMMAND...: runs COMMAND while tcpdump writes $OUT/NAME.pcap.
capture() {
  local name=$1 pcap="$OUT/$1.pcap" err="$DIR/tcpdump-$1.err"
  shift
  rm -f "$pcap"
  # --immediate-mode: without it, packets still in the kernel's buffer block
  # when SIGINT comes are lost ("N packets received by filter", fewer captured).
  tcpdump -i lo -n -s 0 -U --immediate-mode -Z root -w "$pcap" "tcp port $PORT" 2>"$err" &
  TCPDUMP_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q "listening on" "$err" 2>/dev/null && break
    kill -0 "$TCPDUMP_PID" 2>/dev/null || die "tcpdump exited: $(cat "$err")"
    sleep 0.1
  done
  grep -q "listening on" "$err" || die "tcpdump did not start: $(cat "$err")"

  echo "make_golden: capturing $name.pcap: $*"
  "$@"

  sleep 0.5 # let the last FIN/ACKs through
  kill -INT "$TCPDUMP_PID"
  wait "$TCPDUMP_PID" || true
  TCPDUMP_PID=""
  grep -q "^0 packets dropped by kernel" "$err" || die "tcpdump dropped packets: $(cat "$err")"
  echo "make_golden: $name.pcap: $(grep 'packets captured' "$err")"
}

capture pika_session "$PY" "$WORK/golden_session.py" --host 127.0.0.1 --port "$PORT" \
  --no-pre-clean --ctl "$RMQ ctl $PORT $DIR"
capture amqp_tools "$WORK/amqp_tools.sh" "$PORT"
capture raw_methods "$PY" "$WORK/raw_methods.py" --host 127.0.0.1 --port "$PORT"

rm -f "$OUT"/*.client.bin "$OUT"/*.server.bin
"$PY" "$OUT/extract_streams.py" --out "$OUT" --manifest "$OUT/streams.json" \
  "$OUT/pika_session.pcap" "$OUT/amqp_tools.pcap" "$OUT/raw_methods.pcap"

ok=1
echo "make_golden: done: $(find "$OUT" -name '*.bin' | wc -l) stream files in ${OUT#"$ROOT"/}"
