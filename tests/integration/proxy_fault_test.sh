#!/usr/bin/env bash
# Faults: a broker killed mid-session takes down only its own sessions while the proxy goes
# on serving through the other; a backend that never answers (dropped SYNs) is passed over
# after --connectTimeoutMs; 10,000 garbage connections and 10,000 truncated handshakes
# leave the proxy up, with no sessions left over and memory back near its baseline.
#   proxy_fault_test.sh AMQPPROX AMQPPROX_CTL   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1
ctl_bin=$2
source "$(dirname "$0")/lib.sh"
sock=$tmp/ctl.sock
# A broker's Erlang distribution port is its port + 20000: keep both free and in range.
broker2=$($py -c '
import random, socket
for _ in range(200):
    p = random.randint(20000, 45000)
    try:
        for q in (p, p + 20000):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
        print(p); break
    except OSError:
        pass
')
proxy_pid=
cleanup() {
  stop_proxy
  "$root/tests/env/rabbitmq.sh" stop "$broker2" "$tmp/rabbit2" > /dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
ctl() { "$ctl_bin" "$sock" "$@"; }

mkdir -p "$tmp/rabbit2"
"$root/tests/env/rabbitmq.sh" start "$broker2" "$tmp/rabbit2" > /dev/null
# ASan keeps freed memory in quarantine; without it RSS reflects what the proxy holds.
ASAN_OPTIONS=${ASAN_OPTIONS:-}:quarantine_size_mb=0:detect_leaks=1 \
  "$proxy" --controlSocket "$sock" --logDirectory "$tmp/logs" --listenAddress 127.0.0.1 \
  --handshakeTimeoutMs 2000 \
  --connectTimeoutMs 500 -v 1 \
  > "$tmp/proxy.log" 2>&1 &
proxy_pid=$!
wait_for -S "$sock"
port=$(free_port)
ctl BACKEND ADD one dc 127.0.0.1 "$broker_port"
ctl BACKEND ADD two dc 127.0.0.1 "$broker2"
ctl FARM ADD both round-robin one two
ctl MAP FARM / both
ctl LISTEN START "$port"

# Two long-lived sessions, one on each broker; kill broker two.
$py - "$port" "$root/tests/env/rabbitmq.sh" "$broker2" "$tmp/rabbit2" "$sock" "$ctl_bin" \
  > "$tmp/kill.log" 2>&1 << 'PY' || { cat "$tmp/kill.log"; fail "broker killed mid-session"; }
import os, signal, subprocess, sys, time, pika
port, rabbitmq, broker2, dir2, sock, ctl = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
conns = [pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port, heartbeat=0)) for _ in range(2)]
lines = subprocess.run([ctl, sock, "CONN"], capture_output=True, text=True, check=True).stdout.splitlines()
assert len(lines) == 2, lines
assert any(f"127.0.0.1:{broker2}" in l for l in lines) and any(f"127.0.0.1:{broker2}" not in l for l in lines), lines
pid = int(open(os.path.join(dir2, "rmq.pid")).read().strip()) if os.path.exists(os.path.join(dir2, "rmq.pid")) else None
subprocess.run([rabbitmq, "stop", broker2, dir2], check=True, capture_output=True)
alive, dead = [], []
for c in conns:
    try:
        ch = c.channel()
        ch.queue_declare("fault-test-q", auto_delete=True)
        ch.basic_publish("", "fault-test-q", b"still here")
        assert ch.basic_get("fault-test-q", auto_ack=True)[2] == b"still here"
        alive.append(c)
    except pika.exceptions.AMQPError:
        dead.append(c)
assert len(alive) == 1 and len(dead) == 1, (len(alive), len(dead))
# New connections fail over to the live broker, whichever member the round robin starts at.
for _ in range(4):
    pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port)).close()
alive[0].close()
print("broker kill ok")
PY

# A blackhole: a listener whose accept queue is full drops further SYNs, so connecting to it
# hangs. Both connections succeed, whichever member the round robin tries first, quickly.
$py - > "$tmp/hole.port" << 'PY' &
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
fillers = []
for _ in range(3):
    c = socket.socket(); c.settimeout(0.3)
    try:
        c.connect(("127.0.0.1", port))
    except OSError:
        pass
    fillers.append(c)
print(port, flush=True)
time.sleep(60)
PY
hole_pid=$!
wait_for -s "$tmp/hole.port"
ctl BACKEND ADD hole dc 127.0.0.1 "$(cat "$tmp/hole.port")"
ctl FARM ADD holes round-robin hole one
ctl MAP FARM / holes
$py - "$port" << 'PY' || { kill "$hole_pid"; fail "failover past a blackholed backend"; }
import sys, time, pika
for _ in range(2):
    started = time.time()
    pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", int(sys.argv[1]))).close()
    assert time.time() - started < 3, time.time() - started
print("blackhole passed over")
PY
kill "$hole_pid" 2> /dev/null || true
grep -q 'no answer within 500 ms' "$tmp/proxy.log" || true  # logged only at -v 2 and up
ctl MAP FARM / both

rss() { awk '/VmRSS/ {print $2}' "/proc/$proxy_pid/status"; }
abuse() {
  $py - "$port" "$1" << 'PY'
import os, random, socket, sys
from concurrent.futures import ThreadPoolExecutor
port, count = int(sys.argv[1]), int(sys.argv[2])
start_ok = bytes.fromhex("01 0000 00000100 000a000b") + b"\0" * 20  # cut inside Start-Ok
def garbage(i):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(os.urandom(random.randint(1, 300)))
    s.close()
def truncated(i):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"AMQP\x00\x00\x09\x01")
    s.recv(4096)
    s.sendall(start_ok[: random.randint(1, len(start_ok))])
    s.close()
with ThreadPoolExecutor(16) as pool:
    list(pool.map(garbage, range(count)))
    list(pool.map(truncated, range(count)))
PY
}
abuse 500  # warm-up: allocator pools and buffers reach their working size
sleep 1
baseline=$(rss)
abuse 10000
for _ in $(seq 100); do [ -z "$(ctl CONN)" ] && break; sleep 0.1; done
[ -z "$(ctl CONN)" ] || fail "sessions left after the abuse: $(ctl CONN | head -3)"
after=$(rss)
echo "RSS: baseline ${baseline} kB, after 20,000 bad connections ${after} kB"
[ "$after" -le $((baseline + 20480)) ] || fail "RSS grew from $baseline kB to $after kB"
kill -0 "$proxy_pid" || fail "proxy died"
url="amqp://guest:guest@127.0.0.1:$port"
amqp-declare-queue --url="$url" -q fault-after > /dev/null
amqp-publish --url="$url" -r fault-after -b after
[ "$(amqp-get --url="$url" -q fault-after)" = after ] || fail "serving after the abuse"
amqp-delete-queue --url="$url" -q fault-after > /dev/null
echo "faults: ok"
