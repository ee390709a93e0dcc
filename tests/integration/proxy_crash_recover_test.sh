#!/usr/bin/env bash
# A recording proxy killed (SIGKILL) while it spools a burst: the capture opens, says how
# many frames are still spooled, `amqp-analyze recover` writes them as rows (and refuses
# nothing else), and every session's frames are then numbered without a hole, with the
# password nowhere in the file or its spool.
#   proxy_crash_recover_test.sh AMQPPROX AMQPPROX_CTL AMQP_ANALYZE   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1
ctl_bin=$2
analyze=$3
source "$(dirname "$0")/lib.sh"
capture=$tmp/burst.amqpcap
start_recording_proxy "$capture"
ctl() { "$ctl_bin" "$tmp/ctl.sock" "$@"; }

# A publisher that does not stop until the proxy is killed under it.
$py - "$proxy_port" > "$tmp/publisher.log" 2>&1 << 'PY' &
import sys, pika
conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", int(sys.argv[1]), heartbeat=0))
ch = conn.channel()
ch.queue_declare("crash.recover", auto_delete=True)
body = b"x" * 16384  # 4 MiB queued wakes the writer as "busy" every 256 messages
try:
    while True:
        ch.basic_publish("", "crash.recover", body)
except Exception as e:  # the proxy is gone
    print("publisher stopped:", type(e).__name__)
PY
publisher=$!

# Kill the proxy once the writer has batches in its spool.
spooled=
for _ in $(seq 200); do
  spooled=$(ctl CAPTURE PRINT | sed -n 's/.* spooled=\([0-9]*\).*/\1/p')
  [ -n "$spooled" ] && break
  sleep 0.05
done
[ -n "$spooled" ] || fail "the writer never spooled: $(ctl CAPTURE PRINT)"
written=$(ctl CAPTURE PRINT | sed -n 's/.* written=\([0-9]*\).*/\1/p')
kill -9 "$proxy_pid"
wait "$proxy_pid" 2> /dev/null || true
proxy_pid=
wait "$publisher" || true
[ -s "$capture-spool" ] || fail "no spool file beside the killed proxy's capture"

info=$("$analyze" info "$capture")
grep -q '^spooled: .*amqp-analyze recover' <<< "$info" || fail "info says nothing of the spool: $info"
out=$("$analyze" recover "$capture")
grep -Eq "^$capture: [0-9]+ spooled frames \([0-9]+ batches\) written as rows" <<< "$out" ||
  fail "recover: $out"
[ "$("$analyze" recover "$capture")" = "$capture: complete, nothing spooled" ] ||
  fail "a second recover found more to do"
[ ! -e "$capture-spool" ] || fail "the spool file is still there"
info=$("$analyze" info "$capture")
grep -q '^spooled:' <<< "$info" && fail "still spooled after recover: $info"
frames=$(sed -n 's/^frames: *\([0-9]*\) .*/\1/p' <<< "$info")
((frames >= written)) || fail "the file holds $frames frames, the proxy had committed $written"

# Every session's frames from 0 without a hole, and no password.
holes=$($py - "$capture" << 'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(sum(1 for s, n, top in db.execute("SELECT session, count(*), max(seq) FROM frames GROUP BY session") if n != top + 1))
PY
)
[ "$holes" = 0 ] || fail "$holes sessions have frames missing"
# The SASL PLAIN response is "\0guest\0guest": the user is kept, the password redacted.
$py -c 'import sys; sys.exit(b"\0guest\0guest" in open(sys.argv[1], "rb").read())' "$capture" ||
  fail "the password is in the capture"
echo "ok: killed with $spooled frames spooled; $out"
