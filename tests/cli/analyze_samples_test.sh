#!/usr/bin/env bash
# amqp-analyze sessions/trace/stats on the capture of the recorded samples, checked against
# samples/amqp/streams.json: method counts that extract_streams.py computed with its own frame
# walk over the pcaps, independently of our codec. Also the documented exit codes.
#   analyze_samples_test.sh AMQP_ANALYZE MAKE_SAMPLE_CAPTURE SAMPLES_DIR
set -euo pipefail
tool=$1
make_capture=$2
samples=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cap=$tmp/samples.amqpcap
"$make_capture" "$cap" > /dev/null

# The streams make_sample_capture writes, in session order.
streams='["pika_session.conn1", "amqp_tools.conn2", "amqp_tools.conn6", "raw_methods.conn2"]'

# stats: every method count, per session and overall, equals the independent count.
"$tool" stats "$cap" --by session --format json > "$tmp/stats.json"
python3 - "$tmp/stats.json" "$samples/amqp/streams.json" "$streams" <<'PY'
import json, sys, collections
stats = json.load(open(sys.argv[1]))
streams = json.load(open(sys.argv[2]))
names = json.loads(sys.argv[3])
overall = collections.Counter()
frames = 0
for i, name in enumerate(names, start=1):
    expected = collections.Counter()
    for s in streams:
        if s["file"].startswith(name + "."):
            expected.update(s["methods"])
            frames += s["frames"]
    got = stats["by"]["session"][str(i)]["methods"]
    assert dict(expected) == got, f"session {i} ({name}): expected {dict(expected)}, got {got}"
    overall.update(expected)
assert dict(overall) == stats["overall"]["methods"], "overall method counts"
# streams.json counts wire frames; the capture adds each client's protocol header.
assert stats["frames"] == frames + len(names), f'frames {stats["frames"]} != {frames} + {len(names)}'
assert stats["sessions"] == len(names)
t = stats["overall"]["traffic"]
pub = overall["basic.publish"]
assert t["published"] == pub, (t["published"], pub)
assert t["delivered"] == overall["basic.deliver"] + overall["basic.get-ok"]
assert t["returned"] == overall["basic.return"]
print(f"stats: {sum(overall.values())} methods in {len(names)} sessions match streams.json")
PY

# The same counts straight from the pcaps the streams were cut from (pcap input).
for name in pika_session amqp_tools raw_methods; do
  "$tool" stats "$samples/amqp/$name.pcap" --format json > "$tmp/pcap-stats.json"
  python3 - "$tmp/pcap-stats.json" "$samples/amqp/streams.json" "$name" <<'PY'
import json, sys, collections
stats, streams, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
expected = collections.Counter()
for s in streams:
    if s["file"].startswith(name + "."):
        expected.update(s["methods"])
assert dict(expected) == stats["overall"]["methods"], (name, dict(expected), stats["overall"]["methods"])
print(f"stats of {name}.pcap: {sum(expected.values())} methods match streams.json")
PY
done

# sessions: one line each, with how each ended.
"$tool" sessions "$cap" > "$tmp/sessions"
[ "$(wc -l < "$tmp/sessions")" -eq 5 ] || fail "sessions: $(cat "$tmp/sessions")"
grep -q '^1 .* amqpprox-golden-pika .* client closed 200 Normal shutdown$' "$tmp/sessions" \
  || fail "session 1 line: $(sed -n 2p "$tmp/sessions")"
grep -q '^4 .* broker closed 540 NOT_IMPLEMENTED - immediate=true$' "$tmp/sessions" \
  || fail "session 4 line: $(sed -n 5p "$tmp/sessions")"
"$tool" sessions "$cap" --format csv | head -n 1 | grep -q '^SESSION,START,' || fail "csv header"

# trace: as many lines as non-heartbeat frames; with --heartbeats, all of them.
all=$(python3 -c "import json; print(json.load(open('$tmp/stats.json'))['frames'])")
"$tool" trace "$cap" --heartbeats > "$tmp/trace"
[ "$(wc -l < "$tmp/trace")" -eq "$all" ] || fail "trace --heartbeats: $(wc -l < "$tmp/trace") lines, $all frames"
"$tool" trace "$cap" --format json | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert all(r["type"] != "heartbeat" for r in rows)
assert rows == sorted(rows, key=lambda r: r["ts_ns"]), "time order"
print("trace json:", len(rows), "lines")'
"$tool" trace "$cap" --method basic.publish --exchange golden.topic > "$tmp/publish"
[ "$(wc -l < "$tmp/publish")" -eq 2 ] || fail "publishes to golden.topic: $(cat "$tmp/publish")"
grep -vq 'Basic.Publish exchange="golden.topic"' "$tmp/publish" && fail "filter let through: $(cat "$tmp/publish")"
# --follow on a finished file prints what is there and, with --idle-exit, stops.
timeout 20 "$tool" trace "$cap" --follow --idle-exit 300 > "$tmp/follow"
[ "$(wc -l < "$tmp/follow")" -eq "$(( $(wc -l < "$tmp/trace") - $(grep -c Heartbeat "$tmp/trace") ))" ] \
  || fail "follow printed $(wc -l < "$tmp/follow") lines"

# follow: one message per content-carrying method, each whole (the golden session's 300 KB
# body spans three frames), and its bytes as the stats count them.
"$tool" follow "$cap" --format json --bodies 0 -o "$tmp/bodies" > "$tmp/messages"
python3 - "$tmp/messages" "$tmp/stats.json" "$tmp/bodies" <<'PY'
import json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
m = json.load(open(sys.argv[2]))["overall"]["methods"]
content = sum(m.get(k, 0) for k in ("basic.publish", "basic.deliver", "basic.get-ok", "basic.return"))
assert len(rows) == content, (len(rows), content)
assert all(r["status"] == "complete" and r["stored"] == r["body_size"] for r in rows), rows
assert max(r["body_size"] for r in rows) >= 300_000
for r in rows:
    assert os.path.getsize(os.path.join(sys.argv[3], r["file"])) == r["body_size"], r
print("follow:", len(rows), "messages, all whole")
PY

# report: one page with every session and the busiest one's sequence (the render test opens it).
"$tool" report "$cap" -o "$tmp/report.html" --sequence-limit 10
grep -c '<tr class="session"' "$tmp/report.html" | grep -qx 4 || fail "report: session rows"
grep -q 'first 10 of [0-9]* methods shown' "$tmp/report.html" || fail "report: no cut note"
"$tool" report "$cap" -o "$tmp/report4.html" --session 4
grep -q 'Sequence of session 4' "$tmp/report4.html" || fail "report --session 4"
"$tool" report "$cap" -o - --session 4 | cmp -s - "$tmp/report4.html" || fail "report -o - differs"

# Exit codes: 1 nothing matched, 2 bad input or options, each with a message.
expect() {  # expect CODE PATTERN COMMAND...
  local code=$1 pattern=$2; shift 2
  set +e; "$@" > /dev/null 2> "$tmp/err"; local rc=$?; set -e
  [ "$rc" -eq "$code" ] || fail "$* exited $rc, expected $code: $(cat "$tmp/err")"
  grep -q -- "$pattern" "$tmp/err" || fail "$*: message $(cat "$tmp/err")"
}
expect 1 'no frames matched' "$tool" trace "$cap" --exchange no.such.exchange
expect 1 'no sessions matched' "$tool" sessions "$cap" --vhost no-such-vhost
expect 2 'no such file' "$tool" stats "$tmp/missing.amqpcap"
expect 2 'unknown method .Basic.Pubish.' "$tool" trace "$cap" --method Basic.Pubish
expect 2 'bad time' "$tool" trace "$cap" --from yesterday
expect 2 'no session .99.' "$tool" trace "$cap" --session 99
expect 2 'format' "$tool" stats "$cap" --format xml
expect 1 'no messages matched' "$tool" follow "$cap" --queue no.such.queue
expect 1 'no amqp-stream connection found' "$tool" follow --amqp-stream "$cap"
expect 2 'selects streams with' "$tool" follow --amqp-stream "$cap" --method basic.publish
expect 2 'cannot create' "$tool" follow "$cap" -o /proc/no-such-dir

expect 2 'output' "$tool" report "$cap"
expect 2 'sequence-session: no session .99.' "$tool" report "$cap" -o "$tmp/r.html" --sequence-session 99
expect 2 'sequence-limit' "$tool" report "$cap" -o "$tmp/r.html" --sequence-limit 0
expect 1 'no sessions matched' "$tool" report "$cap" -o "$tmp/none.html" --vhost no-such-vhost
[ ! -e "$tmp/none.html" ] || fail "report wrote a page although nothing matched"
: > "$tmp/empty.amqpcap"
expect 2 'not an amqpprox capture\|not a capture' "$tool" sessions "$tmp/empty.amqpcap"
echo "amqp-analyze on the samples: ok"
