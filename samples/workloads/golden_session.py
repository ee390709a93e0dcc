#!/usr/bin/python3
"""One pika connection that exercises as much of AMQP 0-9-1 as RabbitMQ 3.10
and pika 1.2 allow, for golden capture samples (samples/amqp/).

Run with Debian's /usr/bin/python3 (python3-pika 1.2):

    /usr/bin/python3 samples/workloads/golden_session.py --url amqp://guest:guest@127.0.0.1:5672/%2F
    /usr/bin/python3 samples/workloads/golden_session.py --host 127.0.0.1 --port 5701 \\
        --ctl "tests/env/rabbitmq.sh ctl 5701 /tmp/rmq5701"

--ctl (a command prefix that runs rabbitmqctl against the broker) lets the
session raise and clear a memory alarm, so that the broker sends
connection.blocked and connection.unblocked; without it those two are skipped.

Everything is named "golden.*" and deleted at the end. Names, bodies, properties,
consumer tags and the order of operations are fixed, so two runs produce the same
frames except for: server-generated names (amq.gen-*), the server's properties
and timing-dependent frames (heartbeats, how many bytes share a TCP segment).

Exits 1, loudly, if an expected broker reply does not come.
"""
import argparse
import datetime
import decimal
import shlex
import subprocess
import sys
import time

import pika
import pika.exceptions as pex
from pika import spec

PREFIX = "golden."
BIG_BODY = bytes(range(256)) * 1200  # 307200 bytes: 3 body frames at frame_max 131072
TIMESTAMP = 1700000000  # 2023-11-14T22:13:20Z, fixed for reproducible bytes

# Every field-table value type pika 1.2 can encode (it cannot encode float).
RICH_HEADERS = {
    "str": "text",
    "str_empty": "",
    "str_utf8": "h\u00e9llo \u2713",
    "int_small": 42,                     # I (signed 32)
    "int_negative": -7,                  # I
    "int_large": 2 ** 40,                # l (signed 64)
    "int_large_negative": -(2 ** 40),    # l
    "bool_true": True,                   # t
    "bool_false": False,                 # t
    "decimal": decimal.Decimal("3.14159"),  # D, 5 decimals
    "decimal_integral": decimal.Decimal("42"),  # D, 0 decimals
    "timestamp": datetime.datetime(2024, 1, 2, 3, 4, 5),  # T
    "bytes": b"\x00\x01\xfe\xff",        # x (byte array)
    "void": None,                        # V
    "table": {"a": 1, "b": "two", "deeper": {"c": True, "d": None}},  # F
    "table_empty": {},
    "array": [1, "two", True, {"k": "v"}, [3, -(2 ** 40)], None,
              decimal.Decimal("-1.5"), b"\x7f"],  # A
    "array_empty": [],
}

FULL_PROPERTIES = pika.BasicProperties(
    content_type="application/json",
    content_encoding="identity",
    headers=RICH_HEADERS,
    delivery_mode=2,
    priority=5,
    correlation_id="golden-correlation-1",
    reply_to="golden.reply",
    expiration="600000",
    message_id="golden-message-1",
    timestamp=TIMESTAMP,
    type="golden.full",
    user_id="guest",  # must be the login user, or RabbitMQ closes the channel
    app_id="amqpprox-golden",
    cluster_id="golden-cluster",
)


class Fail(Exception):
    pass


def log(msg):
    print("golden: " + msg, flush=True)


class Session:
    def __init__(self, params, ctl, idle):
        self.params = params
        self.ctl = ctl
        self.idle = idle
        self.deliveries = []
        self.returns = []
        self.cancels = []
        self.blocked = []

    # -------------------------------------------------------------- helpers

    def wait_for(self, what, pred, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise Fail("timed out after %.0fs waiting for %s" % (timeout, what))
            self.conn.process_data_events(time_limit=0.05)
        log("got " + what)

    def on_message(self, ch, method, props, body):
        self.deliveries.append((method, props, body))

    def take_deliveries(self, n, what):
        self.wait_for("%d x basic.deliver (%s)" % (n, what), lambda: len(self.deliveries) >= n)
        got, self.deliveries = self.deliveries[:n], self.deliveries[n:]
        return got

    def run_ctl(self, *args):
        cmd = shlex.split(self.ctl) + list(args)
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if res.returncode != 0:
            raise Fail("%s failed (%d): %s" % (" ".join(cmd), res.returncode, res.stdout.strip()))

    # -------------------------------------------------------------- phases

    def run(self):
        # connection.start/start-ok/tune/tune-ok/open/open-ok
        self.conn = pika.BlockingConnection(self.params)
        self.conn.add_on_connection_blocked_callback(lambda c, f: self.blocked.append(f.method))
        self.conn.add_on_connection_unblocked_callback(lambda c, f: self.blocked.append(f.method))
        caps = self.conn._impl.server_capabilities
        log("connected, server capabilities: %s" % ", ".join(sorted(k for k, v in caps.items() if v)))

        ch = self.conn.channel()  # channel.open / open-ok, channel 1
        self.ch = ch
        ch.add_on_return_callback(lambda c, m, p, b: self.returns.append((m, p, b)))
        ch.add_on_cancel_callback(lambda f: self.cancels.append(f.method))

        self.declare(ch)
        self.publish(ch)
        self.consume(ch)
        self.get(ch)
        self.purge_unbind(ch)
        self.confirms()
        self.transactions()
        self.flow_and_channel_error()
        self.alarm(ch)
        self.heartbeats()
        self.cleanup(ch)
        ch.close()  # channel.close / close-ok from the client
        self.conn.close()  # connection.close / close-ok
        log("connection closed")

    def declare(self, ch):
        ch.basic_qos(prefetch_count=20)
        ch.basic_qos(prefetch_size=0, prefetch_count=100, global_qos=True)
        ch.exchange_declare(PREFIX + "ae", "fanout", durable=False, auto_delete=False)
        ch.exchange_declare(PREFIX + "direct", "direct", durable=True, auto_delete=False,
                            arguments={"alternate-exchange": PREFIX + "ae"})
        ch.exchange_declare(PREFIX + "topic", "topic", durable=False, auto_delete=True)
        ch.exchange_declare(PREFIX + "headers", "headers", durable=False, auto_delete=False)
        ch.exchange_declare(PREFIX + "internal", "topic", internal=True)
        ch.exchange_declare(PREFIX + "direct", "direct", passive=True)
        ch.exchange_bind(destination=PREFIX + "topic", source=PREFIX + "direct",
                         routing_key=PREFIX + "via")

        ch.queue_declare(PREFIX + "q1", arguments={
            "x-message-ttl": 600000, "x-max-length": 1000, "x-queue-type": "classic"})
        ch.queue_declare(PREFIX + "q2", durable=True, arguments={
            "x-queue-type": "classic", "x-max-length-bytes": 10 * 1024 * 1024})
        ch.queue_declare(PREFIX + "ae.q", auto_delete=False)
        ch.queue_declare(PREFIX + "overflow", arguments={"x-max-length": 1, "x-overflow": "reject-publish"})
        ok = ch.queue_declare("", exclusive=True)  # server-named
        self.server_q = ok.method.queue
        log("server-named queue " + self.server_q)
        ok = ch.queue_declare(PREFIX + "q1", passive=True)
        if ok.method.message_count != 0:
            raise Fail("golden.q1 not empty at start (left over from an earlier run?)")

        ch.queue_bind(PREFIX + "q1", PREFIX + "direct", routing_key="rk.q1")
        ch.queue_bind(PREFIX + "q2", PREFIX + "topic", routing_key=PREFIX + "#")
        ch.queue_bind(PREFIX + "ae.q", PREFIX + "ae")
        ch.queue_bind(self.server_q, PREFIX + "headers", routing_key="",
                      arguments={"x-match": "all", "kind": "golden", "level": 2})
        log("declared exchanges, queues, bindings")

    def publish(self, ch):
        ch.basic_publish(PREFIX + "direct", "rk.q1", b'{"golden": "full properties"}', FULL_PROPERTIES)
        ch.basic_publish(PREFIX + "direct", "rk.q1", b"", pika.BasicProperties(content_type="text/plain"))
        ch.basic_publish(PREFIX + "direct", "rk.q1", BIG_BODY,
                         pika.BasicProperties(content_type="application/octet-stream", delivery_mode=1))
        for i in range(6):
            ch.basic_publish(PREFIX + "direct", "rk.q1", b"small-%d" % i)
        # direct -> (exchange binding) -> topic -> golden.q2
        ch.basic_publish(PREFIX + "direct", PREFIX + "via", b"via exchange binding")
        # no binding for this key -> alternate exchange -> golden.ae.q
        ch.basic_publish(PREFIX + "direct", "no.such.key", b"to the alternate exchange")
        # headers exchange, x-match all
        ch.basic_publish(PREFIX + "headers", "", b"headers match",
                         pika.BasicProperties(headers={"kind": "golden", "level": 2, "extra": "x"}))
        # mandatory and unroutable -> basic.return
        ch.basic_publish(PREFIX + "topic", "unroutable.key", b"returned", mandatory=True)
        self.wait_for("basic.return", lambda: len(self.returns) >= 1)
        m = self.returns[0][0]
        if m.reply_code != 312:
            raise Fail("basic.return with reply code %d, expected 312 NO_ROUTE" % m.reply_code)

    def consume(self, ch):
        ch.basic_consume(PREFIX + "q1", self.on_message, auto_ack=False, exclusive=False,
                         consumer_tag=PREFIX + "c1", arguments={"x-priority": 10})
        got = self.take_deliveries(9, "golden.q1")
        tags = [m.delivery_tag for m, _, _ in got]
        if tags != list(range(1, 10)):
            raise Fail("unexpected delivery tags %s" % tags)
        _, props, body = got[0]
        if body != b'{"golden": "full properties"}':
            raise Fail("first message body %r" % body)
        self.check_properties(props)
        if got[1][2] != b"" or got[2][2] != BIG_BODY:
            raise Fail("empty or 300 KB body did not come back intact")

        ch.basic_ack(1)                                  # single
        ch.basic_ack(3, multiple=True)                   # 2, 3
        ch.basic_nack(4, multiple=False, requeue=False)  # dropped
        ch.basic_nack(6, multiple=True, requeue=True)    # 5, 6 requeued
        ch.basic_reject(7, requeue=False)                # dropped
        ch.basic_reject(8, requeue=True)                 # requeued
        got = self.take_deliveries(3, "redeliveries after nack/reject")
        if not all(m.redelivered for m, _, _ in got):
            raise Fail("requeued messages not flagged redelivered")
        ch.basic_recover(requeue=True)  # 9 and the 3 redeliveries come again
        got = self.take_deliveries(4, "redeliveries after basic.recover")
        last = max(m.delivery_tag for m, _, _ in got)
        ch.basic_ack(last, multiple=True)
        ch.basic_cancel(PREFIX + "c1")  # basic.cancel / cancel-ok
        log("consumer golden.c1 cancelled")

        # no-ack, exclusive consumer on the server-named queue (headers exchange)
        ch.basic_consume(self.server_q, self.on_message, auto_ack=True, exclusive=True,
                         consumer_tag=PREFIX + "c2")
        got = self.take_deliveries(1, "headers exchange")
        if got[0][2] != b"headers match":
            raise Fail("headers exchange delivered %r" % got[0][2])

    def check_properties(self, props):
        for name in ("content_type", "content_encoding", "delivery_mode", "priority",
                     "correlation_id", "reply_to", "expiration", "message_id", "timestamp",
                     "type", "user_id", "app_id", "cluster_id"):
            if getattr(props, name) != getattr(FULL_PROPERTIES, name):
                raise Fail("property %s came back as %r" % (name, getattr(props, name)))
        sent, back = RICH_HEADERS, props.headers or {}
        if set(back) != set(sent):
            raise Fail("header keys differ: %s" % sorted(set(back) ^ set(sent)))
        for k in sent:
            if normalize(back[k]) != normalize(sent[k]):
                raise Fail("header %s came back as %r" % (k, back[k]))
        log("all 14 properties and %d headers came back intact" % len(sent))

    def get(self, ch):
        m, _, body = ch.basic_get(PREFIX + "q2", auto_ack=False)
        if m is None or body != b"via exchange binding":
            raise Fail("basic.get on golden.q2: %r %r" % (m, body))
        log("got basic.get-ok")
        ch.basic_ack(m.delivery_tag)
        m, _, _ = ch.basic_get(PREFIX + "q2")
        if m is not None:
            raise Fail("basic.get on empty golden.q2 returned a message")
        log("got basic.get-empty")
        m, _, body = ch.basic_get(PREFIX + "ae.q", auto_ack=True)
        if m is None or body != b"to the alternate exchange":
            raise Fail("basic.get on golden.ae.q: %r %r" % (m, body))

    def purge_unbind(self, ch):
        ch.basic_publish(PREFIX + "direct", "rk.q1", b"to be purged 1")
        ch.basic_publish(PREFIX + "direct", "rk.q1", b"to be purged 2")
        ok = ch.queue_purge(PREFIX + "q1")
        if ok.method.message_count != 2:
            raise Fail("queue.purge-ok message_count %d, expected 2" % ok.method.message_count)
        ch.queue_unbind(PREFIX + "q1", PREFIX + "direct", routing_key="rk.q1")
        ch.queue_unbind(self.server_q, PREFIX + "headers", routing_key="",
                        arguments={"x-match": "all", "kind": "golden", "level": 2})
        ch.exchange_unbind(destination=PREFIX + "topic", source=PREFIX + "direct",
                           routing_key=PREFIX + "via")
        log("purged, unbound")

    def confirms(self):
        ch = self.conn.channel(2)
        ch.confirm_delivery()  # confirm.select / select-ok
        for i in range(3):
            ch.basic_publish("", PREFIX + "q1", b"confirmed-%d" % i,
                             pika.BasicProperties(delivery_mode=2))  # broker basic.ack each
        try:
            ch.basic_publish(PREFIX + "topic", "unroutable.key", b"returned+acked", mandatory=True)
            raise Fail("unroutable mandatory publish under confirms was not returned")
        except pex.UnroutableError:
            log("got basic.return + basic.ack under confirms")
        ch.basic_publish("", PREFIX + "overflow", b"fits")
        try:
            ch.basic_publish("", PREFIX + "overflow", b"overflows")
            raise Fail("publish to a full reject-publish queue was not nacked")
        except pex.NackError:
            log("got basic.nack from the broker (x-overflow reject-publish)")
        ch.close()

    def transactions(self):
        ch = self.conn.channel(3)
        ch.tx_select()
        ch.basic_publish("", PREFIX + "q1", b"tx-committed")
        ch.tx_commit()
        ch.basic_publish("", PREFIX + "q1", b"tx-rolled-back")
        ch.tx_rollback()
        m, _, _ = ch.basic_get(PREFIX + "q1")
        if m is None:
            raise Fail("golden.q1 empty after commit")
        ch.basic_ack(m.delivery_tag)
        ch.tx_commit()
        ok = ch.queue_declare(PREFIX + "q1", passive=True)
        # 3 confirmed + 1 committed - 1 acked in the transaction
        if ok.method.message_count != 3:
            raise Fail("golden.q1 has %d messages after the transactions, expected 3"
                       % ok.method.message_count)
        ch.close()
        log("transactions done")

    def flow_and_channel_error(self):
        ch = self.conn.channel(4)
        # RabbitMQ answers channel.flow active=true; active=false would be a
        # connection error (540 NOT_IMPLEMENTED), so it is not sent.
        if ch.flow(True) is not True:
            raise Fail("channel.flow-ok not active")
        log("got channel.flow-ok")
        try:
            ch.queue_declare(PREFIX + "missing", passive=True)
            raise Fail("passive declare of a missing queue succeeded")
        except pex.ChannelClosedByBroker as e:
            if e.reply_code != 404:
                raise Fail("channel closed with %d, expected 404" % e.reply_code)
            log("got channel.close 404 from the broker, sent close-ok")
        # The same channel number again, after the broker closed it.
        ch = self.conn.channel(4)
        ch.queue_declare(PREFIX + "q1", passive=True)
        ch.close()

    def alarm(self, ch):
        if not self.ctl:
            log("no --ctl: connection.blocked/unblocked skipped")
            return
        self.run_ctl("-q", "set_vm_memory_high_watermark", "0.000001")
        try:
            # A publish while the alarm is on; the broker holds it until unblocked.
            ch.basic_publish("", PREFIX + "q1", b"published while blocked")
            self.wait_for("connection.blocked", lambda: len(self.blocked) >= 1, timeout=15)
        finally:
            self.run_ctl("-q", "set_vm_memory_high_watermark", "0.4")
        self.wait_for("connection.unblocked", lambda: len(self.blocked) >= 2, timeout=15)
        if not isinstance(self.blocked[0], spec.Connection.Blocked) or \
                not isinstance(self.blocked[1], spec.Connection.Unblocked):
            raise Fail("unexpected blocked/unblocked sequence %r" % self.blocked)

    def heartbeats(self):
        if self.idle > 0:
            log("idle %.1fs for heartbeats" % self.idle)
            self.conn.sleep(self.idle)

    def cleanup(self, ch):
        # Deleting a queue that has a consumer: the broker cancels it (basic.cancel
        # from the server, consumer_cancel_notify), then queue.delete-ok.
        ch.queue_delete(self.server_q)
        self.wait_for("basic.cancel from the broker", lambda: len(self.cancels) >= 1)
        ch.exchange_delete(PREFIX + "topic")  # auto-delete, still bound to golden.q2
        ch.queue_delete(PREFIX + "q1", if_unused=False, if_empty=False)
        ch.queue_delete(PREFIX + "q2", if_unused=True, if_empty=True)
        ch.queue_delete(PREFIX + "ae.q")
        ch.queue_delete(PREFIX + "overflow")
        ch.exchange_delete(PREFIX + "headers", if_unused=True)
        ch.exchange_delete(PREFIX + "internal")
        ch.exchange_delete(PREFIX + "direct")
        ch.exchange_delete(PREFIX + "ae")
        log("deleted queues and exchanges")


def pre_clean(params):
    """Deletes golden.* leftovers of an interrupted run, on a connection of its own."""
    conn = pika.BlockingConnection(params)
    ch = conn.channel()
    for q in ("q1", "q2", "ae.q", "overflow"):
        ch.queue_delete(PREFIX + q)
    for x in ("topic", "headers", "internal", "direct", "ae"):
        ch.exchange_delete(PREFIX + x)
    conn.close()


def normalize(v):
    """Values comparable across pika's encode/decode. pika 1.2 decodes a
    field-table 'l' (signed 64-bit) as unsigned, so -2**40 comes back as
    2**64 - 2**40: compare integers modulo 2**64."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v % (1 << 64)
    if isinstance(v, dict):
        return {k: normalize(x) for k, x in v.items()}
    if isinstance(v, list):
        return [normalize(x) for x in v]
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="amqp://user:pass@host:port/vhost (overrides host/port)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5672)
    ap.add_argument("--user", default="guest")
    ap.add_argument("--password", default="guest")
    ap.add_argument("--heartbeat", type=int, default=4,
                    help="heartbeat to negotiate, seconds (default 4, so that a short idle shows heartbeat frames)")
    ap.add_argument("--idle", type=float, default=5.0,
                    help="seconds to stay idle before closing, for heartbeat frames (default 5)")
    ap.add_argument("--ctl", help="command prefix running rabbitmqctl against this broker, "
                                  "e.g. 'tests/env/rabbitmq.sh ctl 5701 /tmp/rmq': enables the alarm phase")
    ap.add_argument("--connection-name", default="amqpprox-golden-pika")
    ap.add_argument("--no-pre-clean", action="store_true",
                    help="do not delete golden.* leftovers first (that takes a connection of its own)")
    args = ap.parse_args()

    if args.url:
        params = pika.URLParameters(args.url)
    else:
        params = pika.ConnectionParameters(
            host=args.host, port=args.port,
            credentials=pika.PlainCredentials(args.user, args.password))
    params.heartbeat = args.heartbeat
    params.blocked_connection_timeout = 60
    params.client_properties = {
        "connection_name": args.connection_name,
        "product": "amqpprox golden_session.py (pika %s)" % pika.__version__,
    }
    try:
        if not args.no_pre_clean:
            pre_clean(params)
        Session(params, args.ctl, args.idle).run()
    except (Fail, pex.AMQPError) as e:
        print("golden: FAILED: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    log("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
