#!/usr/bin/env bash
# amqpprox configured over its control socket, in front of the test RabbitMQ: mappings,
# failover past a dead farm member, an unmapped vhost, CAPTURE with a filter and started
# mid-session, SESSION DISCONNECT_GRACEFUL, VHOST PAUSE/UNPAUSE, CONN, EXIT; amqpprox_ctl's
# errors.
#   proxy_control_test.sh AMQPPROX AMQPPROX_CTL AMQP_ANALYZE   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1
ctl_bin=$2
analyze=$3
source "$(dirname "$0")/lib.sh"
sock=$tmp/ctl.sock
ctl() { "$ctl_bin" "$sock" "$@"; }

# amqpprox_ctl without a proxy: a clear error, exit 1.
set +e
"$ctl_bin" "$sock" HELP > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "cannot connect to $sock" "$tmp/err" || fail "ctl without proxy: $rc $(cat "$tmp/err")"

"$proxy" --controlSocket "$sock" --logDirectory "$tmp/logs" --listenAddress 127.0.0.1 \
  > "$tmp/proxy.log" 2>&1 &
proxy_pid=$!
wait_for -S "$sock"
[ "$(stat -c %a "$sock")" = 600 ] || fail "control socket mode $(stat -c %a "$sock")"
# A second proxy on the same socket refuses to start.
set +e
"$proxy" --controlSocket "$sock" --logDirectory "" > /dev/null 2> "$tmp/err2"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q 'in use by a running amqpprox' "$tmp/err2" || fail "second proxy: $rc"

port=$(free_port)
dead=$(free_port)  # nothing listens there
ctl BACKEND ADD rabbit dc1 127.0.0.1 "$broker_port"
ctl BACKEND ADD dead dc1 127.0.0.1 "$dead"
ctl BACKEND ADD_DNS bynames dc2 localhost "$broker_port"
ctl FARM ADD farm1 round-robin dead rabbit
ctl MAP FARM / farm1
ctl LISTEN START "$port"
[ "$(ctl MAP PRINT)" = '"/" => Farm:farm1' ] || fail "MAP PRINT: $(ctl MAP PRINT)"
ctl CAPTURE START "$tmp/slash.amqpcap" vhost=/ bodies=16
ctl CAPTURE START "$tmp/other.amqpcap" vhost=other
ctl CAPTURE PRINT | grep -q "slash.amqpcap vhost=/ bodies=16" || fail "CAPTURE PRINT: $(ctl CAPTURE PRINT)"
# The DNS backend's name is looked up in the background (at the next stats tick, 1 s).
for _ in $(seq 50); do
  ctl BACKEND PRINT | grep -q "^bynames (dc2): localhost:$broker_port DNS (.*127.0.0.1:$broker_port .*resolved [0-9]* s ago)$" && break
  sleep 0.1
done
ctl BACKEND PRINT | grep -q "^bynames (dc2): localhost:$broker_port DNS (.*127.0.0.1:$broker_port .*resolved" \
  || fail "BACKEND PRINT: $(ctl BACKEND PRINT)"

# Every connection gets through, whichever member the round robin starts with.
url="amqp://guest:guest@127.0.0.1:$port"
amqp-declare-queue --url="$url" -q ctl-test-q > /dev/null
for i in $(seq 10); do amqp-publish --url="$url" -r ctl-test-q -b "message $i"; done
for i in $(seq 10); do
  got=$(amqp-get --url="$url" -q ctl-test-q)
  [ "$got" = "message $i" ] || fail "message $i came back as '$got'"
done
amqp-delete-queue --url="$url" -q ctl-test-q > /dev/null

# An unmapped vhost is refused with 506 and the reason.
$py - "$port" << 'PY' || fail "unmapped vhost"
import sys, pika
try:
    pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", int(sys.argv[1]), "unmapped"))
    sys.exit("opened")
except pika.exceptions.ConnectionClosedByBroker as e:
    assert e.reply_code == 506 and "No known broker mapping for vhost unmapped" in e.reply_text, e
except pika.exceptions.AMQPConnectionError as e:
    assert "506" in str(e), e
PY

# A long-lived pika session: CONN shows it; VHOST PAUSE holds its publishes; UNPAUSE
# disconnects it (as amqpprox); a second one ends with DISCONNECT_GRACEFUL (Close 200).
$py - "$port" "$sock" "$ctl_bin" "$broker_port" > "$tmp/pika.log" 2>&1 << 'PY' || { cat "$tmp/pika.log"; fail "pause / graceful"; }
import subprocess, sys, time, pika
port, sock, ctl, broker = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
def run(*args):
    return subprocess.run([ctl, sock, *args], check=True, capture_output=True, text=True).stdout
direct = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", broker))
dch = direct.channel()
dch.queue_declare("ctl-pause-q")
dch.queue_purge("ctl-pause-q")

c = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port, client_properties={"connection_name": "ctl-test"}))
ch = c.channel()
conn = run("CONN")
assert "vhost=/" in conn and "ingressRemote=127.0.0.1:" in conn, conn
run("VHOST", "PAUSE", "/")
ch.basic_publish("", "ctl-pause-q", b"held")
c.process_data_events(time_limit=1.0)
assert dch.queue_declare("ctl-pause-q", passive=True).method.message_count == 0, "paused publish passed"
run("VHOST", "UNPAUSE", "/")
try:
    for _ in range(50):
        c.process_data_events(time_limit=0.1)
    sys.exit("the paused session was not disconnected by UNPAUSE")
except pika.exceptions.AMQPConnectionError:
    pass

c2 = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
ch2 = c2.channel()
ids = [line.split()[0][3:] for line in run("CONN").splitlines() if line.startswith("id=")]
assert len(ids) == 1, ids
run("SESSION", ids[0], "DISCONNECT_GRACEFUL")
try:
    for _ in range(50):
        c2.process_data_events(time_limit=0.1)
    sys.exit("not disconnected")
except pika.exceptions.ConnectionClosedByBroker as e:
    assert e.reply_code == 200, e
assert "Session not found." in run("SESSION", "999", "FORCE_DISCONNECT")
dch.queue_delete("ctl-pause-q")
direct.close()
print("pause and graceful ok")
PY

# A capture records the sessions that start after it: one already open is not in it, and
# the later one is there from its protocol header on.
$py - "$port" "$sock" "$ctl_bin" "$tmp/late.amqpcap" > "$tmp/late.log" 2>&1 << 'PY' || { cat "$tmp/late.log"; fail "capture started mid-session"; }
import subprocess, sys, pika
port, sock, ctl, late = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def connect(name):
    return pika.BlockingConnection(pika.ConnectionParameters(
        "127.0.0.1", port, client_properties={"connection_name": name}))
before = connect("before")
subprocess.run([ctl, sock, "CAPTURE", "START", late], check=True)
after = connect("after")
before.channel().queue_declare("", exclusive=True)
after.channel().queue_declare("", exclusive=True)
after.close()
before.close()
subprocess.run([ctl, sock, "CAPTURE", "STOP", late], check=True, capture_output=True)
PY
[ "$(sqlite3 "$tmp/late.amqpcap" "select group_concat(connection_name) from sessions")" = after ] \
  || fail "late capture's sessions: $(sqlite3 "$tmp/late.amqpcap" "select connection_name from sessions")"
[ "$(sqlite3 "$tmp/late.amqpcap" "select type from frames order by session, seq limit 1")" = 0 ] \
  || fail "late capture's session does not start with its protocol header"

# LOG FILE: the log directory has today's file, with the sessions in it. LOG FILE 4
# succeeds silently and lets DEBUG lines (each control command) into the file.
log_file=$(ls "$tmp"/logs/amqpprox_"$(date -u +%Y%m%d)"_00000.log) || fail "no log file"
grep -q 'listening on 127.0.0.1' "$log_file" || fail "log file: $(head -3 "$log_file")"
grep -q 'session 1: 127.0.0.1' "$log_file" || fail "sessions not logged"
grep -q 'DEBUG control: ' "$log_file" && fail "DEBUG lines in the file before LOG FILE 4"
reply=$(ctl LOG FILE 4)
[ -z "$reply" ] || fail "LOG FILE 4: '$reply'"
ctl DATACENTER PRINT > /dev/null
grep -q 'DEBUG control: DATACENTER PRINT' "$log_file" || fail "LOG FILE 4 did not reach the file"
reply=$(ctl LOG FILE 3)
[ -z "$reply" ] || fail "LOG FILE 3: '$reply'"
ctl VHOST PRINT > /dev/null
grep -q 'DEBUG control: VHOST PRINT' "$log_file" && fail "LOG FILE 3 still writes DEBUG lines"
ctl CAPTURE STOP "$tmp/other.amqpcap"
ctl CAPTURE PRINT | grep -q other.amqpcap && fail "stopped capture still listed"
[ "$(ctl EXIT)" = "Exiting." ] || fail "EXIT reply"
wait "$proxy_pid"; proxy_pid=
[ -e "$sock" ] && fail "control socket left behind"

# The vhost=/ capture has every session of the test, bodies cut to 16 bytes; other has none.
"$analyze" info "$tmp/slash.amqpcap" > "$tmp/info" || fail "info"
sessions=$(sqlite3 "$tmp/slash.amqpcap" "select count(*) from sessions")
[ "$sessions" -ge 24 ] || fail "sessions in the vhost=/ capture: $sessions"
sqlite3 "$tmp/slash.amqpcap" "select count(*) from frames where type = 3 and length(payload) > 16" | grep -qx 0 || fail "bodies not cut"
sqlite3 "$tmp/slash.amqpcap" "select count(*) from sessions where close_code = 200 and closed_by = 'proxy'" | grep -qx '[1-9]' || fail "graceful close not recorded"
[ "$(sqlite3 "$tmp/other.amqpcap" "select count(*) from sessions")" = 0 ] || fail "vhost=other capture recorded sessions"
echo "control plane: ok ($sessions sessions recorded)"
