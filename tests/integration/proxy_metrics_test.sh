#!/usr/bin/env bash
# GET /metrics against the test RabbitMQ: a proxy started with --metrics-port and
# --logFormat json; pika publishes through a mapped vhost with a capture on; /metrics then
# shows the session in the vhost's connection gauge, its bytes and frames in cumulative
# counters that keep their totals after the session ends, and the capture's frames; the text
# passes prometheus_client's strict parser. Other paths answer 404, POST 405, an oversized
# request 431, and a silent client does not hold up scrapes. METRICS LISTEN/PRINT/STOP at run
# time; every log line is a JSON object.
#   proxy_metrics_test.sh AMQPPROX AMQPPROX_CTL   (needs AMQPPROX_TEST_AMQP_PORT)
set -euo pipefail
proxy=$1
ctl_bin=$2
source "$(dirname "$0")/lib.sh"
sock=$tmp/ctl.sock
ctl() { "$ctl_bin" "$sock" "$@"; }
command -v curl > /dev/null || { echo "curl is not installed"; exit 77; }

metrics_port=$(free_port)
"$proxy" --controlSocket "$sock" --logDirectory "" --listenAddress 127.0.0.1 \
  --metrics-port "$metrics_port" --logFormat json -v 4 > "$tmp/proxy.log" 2>&1 &
proxy_pid=$!
wait_for -S "$sock"
wait_for port "$metrics_port"

port=$(free_port)
ctl BACKEND ADD rabbit dc1 127.0.0.1 "$broker_port"
ctl MAP BACKEND / rabbit
ctl LISTEN START "$port"
ctl CAPTURE START "$tmp/metrics.amqpcap" vhost=/
url=http://127.0.0.1:$metrics_port/metrics

code=$(curl -s -o "$tmp/404.txt" -w '%{http_code}' "http://127.0.0.1:$metrics_port/other")
[ "$code" = 404 ] || fail "GET /other: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")
[ "$code" = 405 ] || fail "POST /metrics: $code"
type=$(curl -s -o /dev/null -w '%{content_type}' "$url")
[ "$type" = "text/plain; version=0.0.4; charset=utf-8" ] || fail "content type '$type'"

$py - "$port" "$url" "$metrics_port" "$tmp/metrics.amqpcap" > "$tmp/metrics.log" 2>&1 << 'PY' || { cat "$tmp/metrics.log"; fail "metrics"; }
import re, socket, subprocess, sys, time, pika
port, url, metrics_port, capture = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    text_string_to_metric_families = None
    print("note: python3-prometheus-client is missing (tests/env/install-deps.sh): no strict parse")

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')
def scrape():
    text = subprocess.run(["curl", "-sf", url], check=True, capture_output=True, text=True).stdout
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    if text_string_to_metric_families:
        families = {f.name: f for f in text_string_to_metric_families(text)}
        for name in ["amqpprox_vhost_bytes", "amqpprox_capture_frames_written", "process_cpu_seconds"]:
            assert families[name].type == "counter", (name, families[name].type)
        assert families["amqpprox_vhost_connections"].type == "gauge"
    return samples

def get(samples, key):
    return samples.get(key, 0)

VHOST = 'vhost="/"'
before = scrape()
assert get(before, f'amqpprox_vhost_connections{{{VHOST}}}') == 0
assert get(before, f'amqpprox_capture_frames_written_total{{file="{capture}"}}') == 0
assert before["process_resident_memory_bytes"] > 0 and before["process_open_fds"] > 0
assert before["process_start_time_seconds"] > time.time() - 600

# A client that sends nothing must not hold up scrapes; an oversized request gets 431.
silent = socket.create_connection(("127.0.0.1", metrics_port))
big = socket.create_connection(("127.0.0.1", metrics_port))
big.sendall(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"x" * 10000)
reply = big.recv(4096)
assert reply.startswith(b"HTTP/1.1 431 "), reply[:80]
scrape()

N, BODY = 30, 1000
c = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
ch = c.channel()
ch.queue_declare("metrics-test-q")
ch.queue_purge("metrics-test-q")
for i in range(N):
    ch.basic_publish("", "metrics-test-q", b"x" * BODY)
got = 0
while got < N:
    method, _, body = ch.basic_get("metrics-test-q", auto_ack=True)
    if method:
        got += 1
ch.queue_delete("metrics-test-q")

# Live: the gauge shows the session; its traffic is in the counters without waiting for a
# stats interval.
live = scrape()
assert live[f'amqpprox_vhost_connections{{{VHOST}}}'] == 1, live
assert live["amqpprox_connections"] == 1
bytes_in = live[f'amqpprox_vhost_bytes_total{{{VHOST},direction="in"}}']
bytes_out = live[f'amqpprox_vhost_bytes_total{{{VHOST},direction="out"}}']
frames_in = live[f'amqpprox_vhost_frames_total{{{VHOST},direction="in"}}']
frames_out = live[f'amqpprox_vhost_frames_total{{{VHOST},direction="out"}}']
print(f"live: bytes in={bytes_in} out={bytes_out} frames in={frames_in} out={frames_out}")
assert N * BODY <= bytes_in <= N * BODY + N * 120 + 600, bytes_in
assert N * BODY <= bytes_out <= N * BODY + N * 160 + 600, bytes_out
assert 3 * N <= frames_in <= 4 * N + 10, frames_in
assert 3 * N <= frames_out <= 3 * N + 10, frames_out
backend = [k for k in live if k.startswith("amqpprox_backend_bytes_total{") and 'direction="in"' in k]
assert len(backend) == 1 and live[backend[0]] == bytes_in, backend

c.close()
# Ended: the gauge drops, the counters keep the totals, the end is counted once.
deadline = time.monotonic() + 5
while True:
    after = scrape()
    if after[f'amqpprox_vhost_connections{{{VHOST}}}'] == 0:
        break
    assert time.monotonic() < deadline, "the session did not end"
    time.sleep(0.1)
assert after[f'amqpprox_vhost_bytes_total{{{VHOST},direction="in"}}'] >= bytes_in
assert after[f'amqpprox_vhost_frames_total{{{VHOST},direction="out"}}'] >= frames_out
assert after[f'amqpprox_vhost_sessions_ended_total{{{VHOST},reason="graceful"}}'] == 1, after
assert after["amqpprox_sessions_accepted_total"] == 1
assert after["amqpprox_sessions_refused_total"] == 0

# The capture wrote every frame of the session (its writer commits in the background).
deadline = time.monotonic() + 5
while True:
    written = scrape()[f'amqpprox_capture_frames_written_total{{file="{capture}"}}']
    if written >= frames_in + frames_out:
        break
    assert time.monotonic() < deadline, (written, frames_in, frames_out)
    time.sleep(0.2)
final = scrape()
assert final[f'amqpprox_capture_sessions_total{{file="{capture}"}}'] == 1
assert final[f'amqpprox_capture_frames_dropped_total{{file="{capture}"}}'] == 0
assert final[f'amqpprox_capture_written_bytes_total{{file="{capture}"}}'] >= N * BODY
# The silent client was let go after the read timeout (5 s), without an answer.
silent.settimeout(10)
assert silent.recv(100) == b"", "a silent client got an answer"
silent.close()
print("metrics ok")
PY
cat "$tmp/metrics.log"

# Run time: a second listener, listed, then stopped.
port2=$(free_port)
reply=$(ctl METRICS LISTEN "$port2")
[ "$reply" = "Serving metrics on http://127.0.0.1:$port2/metrics" ] || fail "METRICS LISTEN: '$reply'"
# Not curl | grep -q: grep's early exit can fail curl with SIGPIPE under pipefail.
second=$(curl -sf "http://127.0.0.1:$port2/metrics") || fail "second metrics listener: curl failed"
grep -q '^amqpprox_sessions_accepted_total 1$' <<< "$second" ||
  fail "second metrics listener: $(grep sessions_ <<< "$second")"
printf -v expected 'http://127.0.0.1:%s/metrics\nhttp://127.0.0.1:%s/metrics' \
  $(printf '%s\n' "$metrics_port" "$port2" | sort -n)
[ "$(ctl METRICS PRINT)" = "$expected" ] || fail "METRICS PRINT: '$(ctl METRICS PRINT)'"
reply=$(ctl METRICS LISTEN "$port2")
[[ "$reply" == "Already serving metrics on http://127.0.0.1:$port2/metrics;"* ]] ||
  fail "METRICS LISTEN twice: '$reply'"
reply=$(ctl METRICS LISTEN 1 not-an-address)
[ "$reply" = "Cannot serve metrics on not-an-address port 1: 'not-an-address' is not an IP address" ] ||
  fail "METRICS LISTEN bad address: '$reply'"
[ -z "$(ctl METRICS STOP "$port2")" ] || fail "METRICS STOP"
if curl -s -o /dev/null "http://127.0.0.1:$port2/metrics"; then fail "still serving after STOP"; fi
[ "$(ctl METRICS PRINT)" = "http://127.0.0.1:$metrics_port/metrics" ] || fail "METRICS PRINT after STOP"

[ "$(ctl EXIT)" = "Exiting." ] || fail "EXIT reply"
wait "$proxy_pid"; proxy_pid=

# --logFormat json: every line one JSON object, session lines with their id.
$py - "$tmp/proxy.log" << 'PY' || fail "JSON log lines"
import json, re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) >= 5, lines
sessions = 0
for line in lines:
    entry = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"]), entry
    assert entry["level"] in ("FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"), entry
    assert isinstance(entry["message"], str)
    if "session" in entry:
        assert entry["message"].startswith(f"session {entry['session']}"), entry
        sessions += 1
assert sessions >= 1, "no line names its session"
print(f"{len(lines)} JSON log lines, {sessions} with a session id")
PY
echo "metrics: ok"
