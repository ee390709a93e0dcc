#!/usr/bin/env bash
# LIMIT in front of the test RabbitMQ: a connection-rate limit refuses the 11th of 11
# connections opened at once with Connection.Close 530 and lets one in after the window; the
# alarm-only variant lets them all in and logs AMQPPROX_CONNECTION_LIMIT; CONNECTIONS refuses
# the n+1th open connection until one closes; DATA_RATE holds a pika publisher to the set rate
# (measured from the bytes the proxy passed, CONN's inBytes) and a live change applies to the
# running session; DATA_RATE_ALARM logs AMQPPROX_DATA_LIMIT at most once a second.
#   proxy_limits_test.sh AMQPPROX AMQPPROX_CTL   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1
ctl_bin=$2
source "$(dirname "$0")/lib.sh"
sock=$tmp/ctl.sock
ctl() { "$ctl_bin" "$sock" "$@"; }

"$proxy" --controlSocket "$sock" --logDirectory "" --listenAddress 127.0.0.1 \
  > "$tmp/proxy.log" 2>&1 &
proxy_pid=$!
wait_for -S "$sock"
port=$(free_port)
ctl BACKEND ADD rabbit dc1 127.0.0.1 "$broker_port"
ctl FARM ADD farm1 round-robin rabbit
ctl MAP DEFAULT farm1
ctl LISTEN START "$port"
wait_for port "$port"

[ "$(ctl LIMIT PRINT)" = "No default limit configured for any vhost." ] || fail "LIMIT PRINT: $(ctl LIMIT PRINT)"
reply=$(ctl LIMIT CONN_RATE VHOST / 10)
[ "$reply" = "For vhost /, Allow average 10 number of connections per 1 seconds" ] || fail "LIMIT CONN_RATE: $reply"

$py - "$port" "$sock" "$ctl_bin" "$tmp/proxy.log" > "$tmp/pika.log" 2>&1 << 'PY' || { cat "$tmp/pika.log"; fail "limits"; }
import json, re, subprocess, sys, threading, time, pika
port, sock, ctl, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

def run(*args):
    return subprocess.run([ctl, sock, *args], check=True, capture_output=True, text=True).stdout

def connect():
    """A connection, or (reply_code, reply_text) when the proxy refused it."""
    try:
        return pika.BlockingConnection(pika.ConnectionParameters(
            "127.0.0.1", port, "/", connection_attempts=1, socket_timeout=10))
    except pika.exceptions.ConnectionClosedByBroker as e:
        return (e.reply_code, e.reply_text)
    except pika.exceptions.AMQPConnectionError as e:
        # pika 1.2 reports a Close during the handshake as ProbableAccessDeniedError, with the
        # broker's Close as text: 'ConnectionClosedByBroker: (530) "NOT_ALLOWED - ..."'.
        m = re.search(r'ConnectionClosedByBroker: \((\d+)\) "(.*)"', str(e.args[0]) if e.args else "")
        return (int(m.group(1)), m.group(2)) if m else ("error", repr(e))

def connect_at_once(n):
    """n connections started together (their Opens land well within one second)."""
    results = [None] * n
    start = threading.Barrier(n)
    def one(i):
        start.wait()
        results[i] = connect()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    t0 = time.monotonic()
    for t in threads: t.start()
    for t in threads: t.join()
    return results, time.monotonic() - t0

def opened(results):
    return [r for r in results if isinstance(r, pika.BlockingConnection)]

def refused(results):
    return [r for r in results if not isinstance(r, pika.BlockingConnection)]

def close_all(conns):
    for c in conns:
        c.close()

# 1. CONN_RATE 10: 11 at once, one refused with 530 and the reason.
for attempt in range(3):
    results, took = connect_at_once(11)
    ok, no = opened(results), refused(results)
    close_all(ok)
    if took < 0.9 or len(no) == 1:
        break
    time.sleep(1.1)  # a loaded machine spread them over two windows: once more
assert len(ok) == 10 and len(no) == 1, (len(ok), no, took)
code, text = no[0]
assert code == 530, no
assert text == "NOT_ALLOWED - access to vhost '/' refused by amqpprox: connection rate limit (10 per second) is reached", text
print(f"conn_rate: 10 opened, 1 refused ({code} {text}) in {took:.2f} s")
# STAT counts the refusal in limitedConnectionCount, in the interval it happened.
listen = subprocess.Popen([ctl, sock, "STAT", "LISTEN", "json", "vhost=/"], stdout=subprocess.PIPE, text=True)
limited = 0
for _ in range(3):
    limited += json.loads(listen.stdout.readline())["limitedConnectionCount"]
listen.kill()
listen.wait()
assert limited >= 1, limited
# After the window, a new connection gets in.
time.sleep(1.1)
c = connect()
assert isinstance(c, pika.BlockingConnection), c
c.channel()
c.close()

# 2. CONN_RATE_ALARM 2: all 5 let in, the marker logged.
run("LIMIT", "DISABLE", "CONN_RATE", "VHOST", "/")
run("LIMIT", "CONN_RATE_ALARM", "VHOST", "/", "2")
time.sleep(1.1)
results, took = connect_at_once(5)
ok = opened(results)
close_all(ok)
assert len(ok) == 5, results
assert "AMQPPROX_CONNECTION_LIMIT: the connection request for vhost '/'" in open(log).read(), "no alarm logged"
run("LIMIT", "DISABLE", "CONN_RATE_ALARM", "VHOST", "/")
print("conn_rate_alarm: 5 opened, alarm logged")

# 3. CONNECTIONS 3: the 4th open one is refused until one closes.
run("LIMIT", "CONNECTIONS", "VHOST", "/", "3")
held = [connect() for _ in range(3)]
assert all(isinstance(c, pika.BlockingConnection) for c in held), held
fourth = connect()
assert fourth == (530, "NOT_ALLOWED - access to vhost '/' refused by amqpprox: connection limit (3) is reached"), fourth
held.pop().close()
for _ in range(50):  # the proxy sees the close and gives the place back
    c = connect()
    if isinstance(c, pika.BlockingConnection):
        break
    time.sleep(0.1)
assert isinstance(c, pika.BlockingConnection), c
held.append(c)
close_all(held)
run("LIMIT", "DISABLE", "CONNECTIONS", "VHOST", "/")
print("connections: 4th refused, let in after one closed")

# 4. DATA_RATE: a publisher as fast as pika goes, held to the limit; then a live change.
# Measured from what the proxy passed (CONN's inBytes), not from what the publisher wrote:
# the loopback socket buffers take megabytes before the publisher feels any pushback.
def session_in_bytes():
    for line in run("CONN").splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if fields.get("vhost") == "/" and fields.get("egressRemote"):
            return int(fields["inBytes"])
    return None

def measure(seconds):
    b0, t0 = session_in_bytes(), time.monotonic()
    time.sleep(seconds)
    b1, t1 = session_in_bytes(), time.monotonic()
    return (b1 - b0) / (t1 - t0)

run("LIMIT", "DATA_RATE", "VHOST", "/", "200000")
stop = threading.Event()
sent = [0, 0.0]
def publish():
    conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port, "/"))
    ch = conn.channel()
    body = b"x" * 16384
    t0 = time.monotonic()
    while not stop.is_set():
        ch.basic_publish("", "limits-test-nowhere", body)  # unroutable: dropped by the broker
        sent[0] += len(body)
    sent[1] = time.monotonic() - t0
    conn.close()
publisher = threading.Thread(target=publish)
publisher.start()
time.sleep(1.5)  # past the burst and the socket buffers filling
rate = measure(5.0)
print(f"data_rate 200000: measured {rate:.0f} B/s through the proxy ({rate / 200000 * 100:.1f} %)")
assert abs(rate - 200000) <= 20000, rate

run("LIMIT", "DATA_RATE", "VHOST", "/", "400000")  # live, on the running session
time.sleep(0.5)
rate = measure(3.0)
print(f"data_rate 400000 (live change): measured {rate:.0f} B/s ({rate / 400000 * 100:.1f} %)")
assert abs(rate - 400000) <= 40000, rate

# 5. DATA_RATE_ALARM below the rate: logged, at most once a second.
before = open(log).read().count("AMQPPROX_DATA_LIMIT")
run("LIMIT", "DATA_RATE_ALARM", "VHOST", "/", "100000")
time.sleep(3.0)
alarms = open(log).read().count("AMQPPROX_DATA_LIMIT") - before
assert 2 <= alarms <= 4, alarms
print(f"data_rate_alarm: {alarms} warnings in 3 s")

run("LIMIT", "DISABLE", "DATA_RATE", "VHOST", "/")  # lifted: the publisher speeds up
time.sleep(0.5)
rate = measure(1.0)
assert rate > 1_000_000, rate
stop.set()
publisher.join()
print(f"unlimited: {rate:.0f} B/s; the publisher's own count: {sent[0]} B in {sent[1]:.1f} s")
PY
cat "$tmp/pika.log"
out=$(ctl LIMIT PRINT /)
[ "$out" = "Alarm only data limit, for vhost /, allow max 100000 bytes per second." ] || fail "LIMIT PRINT /: $out"
echo "limits: ok"
