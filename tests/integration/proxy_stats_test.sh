#!/usr/bin/env bash
# amqpprox's statistics against the test RabbitMQ: STAT SEND delivers StatsD datagrams with
# amqpprox's names, tags and types whose interval figures add up to the traffic pika made;
# STAT LISTEN json shows per-interval deltas (an idle tick: zero traffic, gauges kept) and a
# closed connection in removedConnectionGraceful; STAT STOP SEND stops the datagrams;
# MAPHOSTNAME DNS names 127.0.0.1; LOG FILE without a log directory says so.
#   proxy_stats_test.sh AMQPPROX AMQPPROX_CTL   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1
ctl_bin=$2
source "$(dirname "$0")/lib.sh"
sock=$tmp/ctl.sock
ctl() { "$ctl_bin" "$sock" "$@"; }

interval_ms=400
"$proxy" --controlSocket "$sock" --logDirectory "" --listenAddress 127.0.0.1 \
  --cleanupIntervalMs "$interval_ms" > "$tmp/proxy.log" 2>&1 &
proxy_pid=$!
wait_for -S "$sock"

# LOG FILE needs a log directory to write to.
reply=$(ctl LOG FILE 4)
[ "$reply" = "LOG FILE: no log directory is open (start amqpprox with --logDirectory DIR)" ] ||
  fail "LOG FILE without a directory: '$reply'"

port=$(free_port)
ctl BACKEND ADD rabbit dc1 127.0.0.1 "$broker_port"
ctl FARM ADD farm1 round-robin rabbit
ctl MAP DEFAULT farm1
ctl LISTEN START "$port"

$py - "$port" "$sock" "$ctl_bin" "$broker_port" "$interval_ms" > "$tmp/stats.log" 2>&1 << 'PY' || { cat "$tmp/stats.log"; fail "stats"; }
import json, socket, subprocess, sys, threading, time, pika
port, sock, ctl, broker, interval = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]) / 1000

def run(*args):
    return subprocess.run([ctl, sock, *args], check=True, capture_output=True, text=True).stdout.strip()

# The StatsD server: every datagram, as it arrives.
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
udp_port = udp.getsockname()[1]
datagrams = []
def receive():
    while True:
        data, _ = udp.recvfrom(65535)
        datagrams.append((time.monotonic(), data))
threading.Thread(target=receive, daemon=True).start()

reply = run("STAT", "SEND", "127.0.0.1", str(udp_port))
assert reply == f"Sending stats on 127.0.0.1:{udp_port}", reply

# STAT LISTEN json overall, one snapshot a line, read as they come.
listen = subprocess.Popen([ctl, sock, "STAT", "LISTEN", "json", "overall"], stdout=subprocess.PIPE, text=True)
def snapshot():
    line = listen.stdout.readline()
    assert line, "STAT LISTEN ended"
    return json.loads(line)
snapshot()  # the latest one, at once

N, BODY = 40, 1000
c = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
ch = c.channel()
ch.queue_declare("stats-test-q")
ch.queue_purge("stats-test-q")
for i in range(N):
    ch.basic_publish("", "stats-test-q", b"x" * BODY)
got = 0
while got < N:
    method, _, body = ch.basic_get("stats-test-q", auto_ack=True)
    if method:
        assert len(body) == BODY
        got += 1
ch.queue_delete("stats-test-q")

# Ticks while the connection carried traffic, then idle ticks: deltas drop back to zero,
# the gauge stays at one connection. (Lifetime totals would never go back to zero.)
seen_traffic = seen_idle = False
for _ in range(40):
    s = snapshot()
    if s["bytesReceived"] > 0:
        seen_traffic = True
    elif seen_traffic and s["activeConnectionCount"] == 1 and s["bytesSent"] == 0 and s["framesReceived"] == 0:
        seen_idle = True
        break
assert seen_traffic and seen_idle, (seen_traffic, seen_idle, s)

# The client closes: one graceful removal, in one interval only.
c.close()
removed = []
for _ in range(10):
    s = snapshot()
    removed.append(s["removedConnectionGraceful"])
    if s["removedConnectionGraceful"] == 1:
        break
assert removed[-1] == 1 and s["activeConnectionCount"] == 0, removed
s = snapshot()
assert s["removedConnectionGraceful"] == 0 and s["activeConnectionCount"] == 0, s
listen.kill()
time.sleep(3 * interval)

reply = run("STAT", "STOP", "SEND")
assert reply == "Stopped sending stats.", reply
time.sleep(3 * interval)
stopped_at = time.monotonic()
time.sleep(3 * interval)
assert all(t <= stopped_at for t, _ in datagrams), "datagrams after STAT STOP SEND"

# The datagrams: at most 1400 bytes, newline-separated lines; a tick starts with
# pausedConnectionCount overall.
assert datagrams, "no StatsD datagrams"
ticks = []
for _, data in datagrams:
    assert len(data) <= 1400, len(data)
    for line in data.decode().split("\n"):
        if line.startswith("amqpprox.pausedConnectionCount,rmqEndpointType=overall:"):
            ticks.append([])
        assert ticks, f"tick does not start with pausedConnectionCount: {line}"
        ticks[-1].append(line)
assert len(ticks) >= 5, len(ticks)

def parse(line):
    name, rest = line.split(":", 1)
    value, kind = rest.split("|")
    return name, int(value), kind
gauges = ["pausedConnectionCount", "activeConnectionCount", "authDeniedConnectionCount", "limitedConnectionCount"]
counters = ["removedConnectionGraceful", "removedConnectionBrokerSnapped", "removedConnectionClientSnapped",
            "packetsReceived", "packetsSent", "framesReceived", "framesSent", "bytesReceived", "bytesSent"]
totals = {}
views = set()
for tick in ticks:
    names = set()
    for line in tick:
        name, value, kind = parse(line)
        names.add(name)
        metric = name.split(",")[0][len("amqpprox."):]
        expected_kind = "g" if metric in gauges else "c"
        assert kind == expected_kind, line
        totals[name] = totals.get(name, 0) + value
        views.add(",".join(name.split(",")[1:]))
    for m in gauges + counters:
        assert f"amqpprox.{m},rmqEndpointType=overall" in names, (m, tick[:3])
    for m in ["cpu_percent_overall", "cpu_percent_user", "cpu_percent_system", "mem_rss_kb"]:
        assert f"amqpprox.{m}" in names, m
for view in ["rmqEndpointType=vhost,rmqVhostName=/", "rmqEndpointType=sources,rmqEndpointHostname=127.0.0.1",
             f"rmqEndpointType=backends,rmqEndpointHostname=127.0.0.1_{broker}"]:
    assert view in views, (view, views)

def total(metric, view="rmqEndpointType=overall"):
    return totals.get(f"amqpprox.{metric},{view}", 0)
# What pika did after the handshake: N publishes (method, header, body), N basic.get and a
# few more methods (channel open/close, declare, purge, delete, connection close).
fr, fs, br, bs = total("framesReceived"), total("framesSent"), total("bytesReceived"), total("bytesSent")
print(f"ticks={len(ticks)} framesReceived={fr} framesSent={fs} bytesReceived={br} bytesSent={bs}")
assert 4 * N <= fr <= 4 * N + 10, fr
assert 3 * N <= fs <= 3 * N + 10, fs
assert N * BODY <= br <= N * BODY + N * 120 + 600, br
assert N * BODY <= bs <= N * BODY + N * 160 + 600, bs
assert total("removedConnectionGraceful") == 1, total("removedConnectionGraceful")
assert total("removedConnectionClientSnapped") == 0 and total("removedConnectionBrokerSnapped") == 0
# The views agree with overall.
for view in ["rmqEndpointType=vhost,rmqVhostName=/", "rmqEndpointType=sources,rmqEndpointHostname=127.0.0.1",
             f"rmqEndpointType=backends,rmqEndpointHostname=127.0.0.1_{broker}"]:
    assert total("bytesReceived", view) == br and total("framesSent", view) == fs, view

# A client killed mid-session (its socket closes without an AMQP Close):
# removedConnectionClientSnapped.
listen = subprocess.Popen([ctl, sock, "STAT", "LISTEN", "json", "overall"], stdout=subprocess.PIPE, text=True)
snapshot()
client = subprocess.Popen([sys.executable, "-c",
    "import sys, time, pika\n"
    "c = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', int(sys.argv[1])))\n"
    "print('open', flush=True)\n"
    "time.sleep(60)\n", str(port)], stdout=subprocess.PIPE, text=True)
assert client.stdout.readline().strip() == "open"
client.kill()
client.wait()
snapped = 0
for _ in range(10):
    s = snapshot()
    snapped += s["removedConnectionClientSnapped"]
    assert s["removedConnectionGraceful"] == 0, s
    if snapped:
        break
assert snapped == 1, s
listen.kill()

# MAPHOSTNAME DNS: 127.0.0.1 becomes localhost in CONN and in the source keys, once the
# background lookup has answered.
assert run("MAPHOSTNAME", "DNS") == "Hostname mapper set for all current sessions."
c = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
deadline = time.monotonic() + 5
while time.monotonic() < deadline:
    conn = run("CONN")
    if "ingressRemote=localhost:" in conn:
        break
    time.sleep(interval)
assert "ingressRemote=localhost:" in conn, conn
time.sleep(3 * interval)
listen = subprocess.Popen([ctl, sock, "STAT", "LISTEN", "json", "all"], stdout=subprocess.PIPE, text=True)
s = json.loads(listen.stdout.readline())
listen.kill()
assert "localhost" in s["sources"], s["sources"]
c.close()
print("stats ok")
PY
cat "$tmp/stats.log"
[ "$(ctl EXIT)" = "Exiting." ] || fail "EXIT reply"
wait "$proxy_pid"; proxy_pid=
echo "stats: ok"
