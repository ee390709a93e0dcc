#!/usr/bin/env python3
"""Checks, from `amqp-analyze trace --format json` of a capture, that amqp-stream sessions
speak the Go library's wire protocol (docs: samples/amqp-stream/README.md):

  amqp_stream_wire_check.py TRACE.jsonl CONTROL_QUEUE...

- every queue declared non-durable, exclusive, auto-delete, no arguments, not nowait
  (passive declares are our peer checks: they create nothing);
- every consume with consumer tag = queue, manual ack, exclusive, not no-local;
- every publish to the default exchange, mandatory, not immediate, delivery mode 1 and no
  property but reply-to, which only the two empty handshake messages carry;
- the handshake: an empty request to a CONTROL_QUEUE with reply-to = the client's queue, then
  an empty reply to that queue with reply-to = the server's queue, and no third message.
Prints a count of what it checked; exits 1 with the first violation.
"""
import json
import sys


def main():
    trace, controls = sys.argv[1], set(sys.argv[2:])
    frames = [json.loads(line) for line in open(trace)]
    counts = {"declare": 0, "consume": 0, "publish": 0, "request": 0, "reply": 0}
    pending = {}  # (session, channel) -> the publish whose header comes next
    requests = set()  # client queues that asked for a stream
    replied = set()

    def bad(frame, why):
        sys.exit("wire check: session %s seq %s: %s: %s" % (
            frame["session"], frame["seq"], why, json.dumps(frame)))

    for f in frames:
        if f["from"] != "client":
            continue
        key = (f["session"], f["channel"])
        if f["type"] == "method":
            m = f["method"]
            a = m["arguments"]
            if m["method"] == "queue.declare" and not a["passive"]:
                counts["declare"] += 1
                if (a["durable"], a["exclusive"], a["auto_delete"], a["nowait"]) != \
                        (False, True, True, False) or a["arguments"]:
                    bad(f, "queue flags")
            elif m["method"] == "basic.consume":
                counts["consume"] += 1
                if a["consumer_tag"] != a["queue"] or a["no_ack"] or not a["exclusive"] \
                        or a["no_local"] or a["nowait"]:
                    bad(f, "consume flags")
            elif m["method"] == "basic.publish":
                counts["publish"] += 1
                if a["exchange"] != "" or not a["mandatory"] or a["immediate"]:
                    bad(f, "publish flags")
                pending[key] = a["routing_key"]
        elif f["type"] == "header" and key in pending:
            queue = pending.pop(key)
            h = f["content_header"]
            props = dict(h["properties"])
            if props.pop("delivery_mode", None) != 1:
                bad(f, "delivery mode")
            reply_to = props.pop("reply_to", None)
            if props:
                bad(f, "properties besides reply-to")
            if reply_to is not None:
                if h["body_size"] != 0:
                    bad(f, "a handshake message with a body")
                if queue in controls:
                    counts["request"] += 1
                    requests.add(reply_to)
                elif queue in requests and queue not in replied:
                    counts["reply"] += 1
                    replied.add(queue)
                else:
                    bad(f, "a third handshake message")
    if counts["request"] == 0 or counts["reply"] != counts["request"]:
        sys.exit("wire check: handshakes incomplete: %s" % counts)
    print("wire check ok: %(declare)d declares, %(consume)d consumes, %(publish)d publishes, "
          "%(request)d requests, %(reply)d replies" % counts)


if __name__ == "__main__":
    main()
