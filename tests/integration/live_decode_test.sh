#!/usr/bin/env bash
# The codec on today's live traffic: a pika session and amqp-tools clients talk to the test
# RabbitMQ through a recording relay, and amqp-analyze must decode every frame both ways.
#   live_decode_test.sh AMQP_ANALYZE   (needs AMQPPROX_TEST_AMQP_PORT, set by tests/run.sh)
set -euo pipefail
analyze=$1
source "$(dirname "$0")/lib.sh"
tee_pid=
cleanup() {
  [ -n "$tee_pid" ] && kill "$tee_pid" 2> /dev/null && wait "$tee_pid" 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

relay_port=$(free_port)
$py "$root/tests/integration/amqp_tee.py" -q --listen "$relay_port" \
  --target "127.0.0.1:$broker_port" --out "$tmp/streams" &
tee_pid=$!
wait_for port "$relay_port"

$py "$root/samples/workloads/golden_session.py" --host 127.0.0.1 --port "$relay_port" \
  --heartbeat 1 --idle 2 --connection-name live-decode-test > "$tmp/pika.log" 2>&1 \
  || { cat "$tmp/pika.log"; fail "pika workload"; }
url="amqp://guest:guest@127.0.0.1:$relay_port"
amqp-declare-queue --url="$url" -q live-decode-q > /dev/null
printf 'one\ntwo\n' | amqp-publish --url="$url" -r live-decode-q -l -C text/plain
amqp-get --url="$url" -q live-decode-q > /dev/null
amqp-delete-queue --url="$url" -q live-decode-q > /dev/null
kill "$tee_pid"; wait "$tee_pid" || true; tee_pid=

streams=("$tmp"/streams/*.bin)
[ "${#streams[@]}" -ge 10 ] || fail "expected at least 5 connections, got ${#streams[@]} stream files"
for s in "${streams[@]}"; do
  "$analyze" decode "$s" > "$s.txt" 2> "$s.err" || fail "decode $(basename "$s"): $(cat "$s.err")"
done
all=$(cat "$tmp"/streams/*.txt)
for expected in 'Protocol-Header AMQP 0-9-1' 'Connection.Start ' 'Connection.Tune-Ok' \
  'Basic.Publish' 'Basic.Deliver' 'Basic.Get-Ok' 'Basic.Nack' 'Tx.Commit-Ok' \
  'Confirm.Select-Ok' 'Channel.Close reply_code=404' 'body_size=307200' 'Heartbeat' \
  'Connection.Close-Ok'; do
  grep -qF -- "$expected" <<< "$all" || fail "no '$expected' in the decoded traffic"
done
grep -q 'password hidden' <<< "$all" || fail "start-ok credentials not hidden"
if grep -q '\\x00guest\\x00guest' <<< "$all"; then fail "password printed"; fi
echo "live decode: $(wc -l <<< "$all") frames decoded from ${#streams[@]} streams"
