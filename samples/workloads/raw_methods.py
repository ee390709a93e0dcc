#!/usr/bin/python3
"""A minimal hand-written AMQP 0-9-1 client (standard library only) for the
methods that pika 1.2 and rabbitmq-c cannot send, each answered by a real
RabbitMQ broker:

connection A (--mechanism RABBIT-CR-DEMO, the default; the broker must list it
in auth_mechanisms, see samples/make_golden.sh):
    connection.start / start-ok (RABBIT-CR-DEMO)
    connection.secure / secure-ok              (challenge-response login)
    connection.tune / tune-ok / open / open-ok
    connection.update-secret / update-secret-ok
    channel.open / open-ok, access.request / request-ok
    channel.flow (active=true) / flow-ok
    basic.recover-async
    a heartbeat frame from the client
    channel.close / close-ok (client side), connection.close / close-ok
connection B (PLAIN):
    basic.publish with immediate=true, which RabbitMQ refuses with a
    server-initiated connection.close 540 NOT_IMPLEMENTED; the client
    answers connection.close-ok.

Fails (exit 1) if any expected reply does not come.

usage: /usr/bin/python3 raw_methods.py [--host 127.0.0.1] [--port 5672]
                                       [--user guest] [--password guest]
"""
import argparse
import socket
import struct
import sys

PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
FRAME_END = 0xCE


def shortstr(s):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) < 256
    return struct.pack(">B", len(b)) + b


def longstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">I", len(b)) + b


def table(d):
    out = b""
    for k, v in d.items():
        out += shortstr(k)
        if isinstance(v, bool):
            out += b"t" + struct.pack(">B", v)
        elif isinstance(v, str):
            out += b"S" + longstr(v)
        elif isinstance(v, dict):
            out += b"F" + table(v)
        else:
            raise TypeError(k)
    return struct.pack(">I", len(out)) + out


class Fail(Exception):
    pass


class Conn:
    def __init__(self, host, port, name):
        self.name = name
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b""

    def send_frame(self, ftype, channel, payload):
        self.sock.sendall(struct.pack(">BHI", ftype, channel, len(payload)) + payload + bytes([FRAME_END]))

    def send_method(self, channel, class_id, method_id, args=b""):
        self.send_frame(1, channel, struct.pack(">HH", class_id, method_id) + args)

    def read_frame(self):
        while True:
            if len(self.buf) >= 7:
                ftype, channel, size = struct.unpack(">BHI", self.buf[:7])
                if len(self.buf) >= 8 + size:
                    payload = self.buf[7:7 + size]
                    if self.buf[7 + size] != FRAME_END:
                        raise Fail("%s: frame without frame-end octet" % self.name)
                    self.buf = self.buf[8 + size:]
                    return ftype, channel, payload
            data = self.sock.recv(65536)
            if not data:
                raise Fail("%s: broker closed the socket" % self.name)
            self.buf += data

    def expect(self, channel, class_id, method_id, what):
        """Reads frames until a method frame; skips heartbeats; fails on anything else."""
        while True:
            ftype, ch, payload = self.read_frame()
            if ftype == 8:
                continue
            if ftype != 1:
                raise Fail("%s: waiting for %s, got frame type %d" % (self.name, what, ftype))
            cid, mid = struct.unpack(">HH", payload[:4])
            if (ch, cid, mid) != (channel, class_id, method_id):
                detail = ""
                if (cid, mid) in ((10, 50), (20, 40)):
                    code, = struct.unpack(">H", payload[4:6])
                    text = payload[7:7 + payload[6]].decode(errors="replace")
                    detail = " (close %d %s)" % (code, text)
                raise Fail("%s: waiting for %s on channel %d, got %d.%d on channel %d%s"
                           % (self.name, what, channel, cid, mid, ch, detail))
            print("  %s: got %s" % (self.name, what))
            return payload[4:]

    def close(self):
        self.sock.close()


def parse_start(args):
    pos = 2  # version-major, version-minor
    tlen, = struct.unpack(">I", args[pos:pos + 4])
    pos += 4 + tlen
    mlen, = struct.unpack(">I", args[pos:pos + 4])
    mechanisms = args[pos + 4:pos + 4 + mlen].decode().split()
    return mechanisms


def handshake(c, user, password, mechanism, vhost="/", heartbeat=30):
    c.sock.sendall(PROTOCOL_HEADER)
    start = c.expect(0, 10, 10, "connection.start")
    mechanisms = parse_start(start)
    if mechanism not in mechanisms:
        raise Fail("%s: broker offers %s, not %s (add it to auth_mechanisms)" % (c.name, mechanisms, mechanism))
    props = table({
        "product": "amqpprox raw_methods.py",
        "platform": "Python %d.%d" % sys.version_info[:2],
        "connection_name": "amqpprox-golden-raw-%s" % c.name,
        "capabilities": {"authentication_failure_close": True, "connection.blocked": True,
                         "consumer_cancel_notify": True, "basic.nack": True,
                         "publisher_confirms": True},
    })
    if mechanism == "PLAIN":
        response = b"\x00" + user.encode() + b"\x00" + password.encode()
    elif mechanism == "RABBIT-CR-DEMO":
        response = user.encode()
    else:
        raise Fail("unsupported mechanism %s" % mechanism)
    c.send_method(0, 10, 11, props + shortstr(mechanism) + longstr(response) + shortstr("en_US"))
    if mechanism == "RABBIT-CR-DEMO":
        challenge = c.expect(0, 10, 20, "connection.secure")
        clen, = struct.unpack(">I", challenge[:4])
        print("  %s: challenge %r" % (c.name, challenge[4:4 + clen].decode()))
        c.send_method(0, 10, 21, longstr("My password is " + password))
    tune = c.expect(0, 10, 30, "connection.tune")
    channel_max, frame_max, _hb = struct.unpack(">HIH", tune[:8])
    c.send_method(0, 10, 31, struct.pack(">HIH", channel_max, frame_max, heartbeat))
    c.send_method(0, 10, 40, shortstr(vhost) + shortstr("") + b"\x00")
    c.expect(0, 10, 41, "connection.open-ok")


def session_a(host, port, user, password, mechanism):
    c = Conn(host, port, "A")
    handshake(c, user, password, mechanism)
    # connection.update-secret: same password, the internal backend accepts it.
    c.send_method(0, 10, 70, longstr(password) + shortstr("golden sample: refresh"))
    c.expect(0, 10, 71, "connection.update-secret-ok")
    c.send_method(1, 20, 10, shortstr(""))
    c.expect(1, 20, 11, "channel.open-ok")
    # access.request: realm, then bits exclusive, passive, active, write, read.
    c.send_method(1, 30, 10, shortstr("/data") + bytes([0b11110]))
    ok = c.expect(1, 30, 11, "access.request-ok")
    print("  A: ticket %d" % struct.unpack(">H", ok[:2]))
    c.send_method(1, 20, 20, b"\x01")
    c.expect(1, 20, 21, "channel.flow-ok")
    # basic.recover-async (deprecated, no reply); channel.open on 2 afterwards
    # proves the broker took it without closing anything.
    c.send_method(1, 60, 100, b"\x01")
    c.send_frame(8, 0, b"")  # a client heartbeat
    c.send_method(2, 20, 10, shortstr(""))
    c.expect(2, 20, 11, "channel.open-ok (2)")
    c.send_method(2, 20, 40, struct.pack(">H", 200) + shortstr("bye") + struct.pack(">HH", 0, 0))
    c.expect(2, 20, 41, "channel.close-ok (2)")
    c.send_method(1, 20, 40, struct.pack(">H", 200) + shortstr("bye") + struct.pack(">HH", 0, 0))
    c.expect(1, 20, 41, "channel.close-ok")
    c.send_method(0, 10, 50, struct.pack(">H", 200) + shortstr("Normal shutdown") + struct.pack(">HH", 0, 0))
    c.expect(0, 10, 51, "connection.close-ok")
    c.close()


def session_b(host, port, user, password):
    c = Conn(host, port, "B")
    handshake(c, user, password, "PLAIN")
    c.send_method(1, 20, 10, shortstr(""))
    c.expect(1, 20, 11, "channel.open-ok")
    # basic.publish exchange "", routing key "golden.none", mandatory=0, immediate=1,
    # then its content header (no properties) and a 5-byte body.
    c.send_method(1, 60, 40, struct.pack(">H", 0) + shortstr("") + shortstr("golden.none") + b"\x02")
    c.send_frame(2, 1, struct.pack(">HHQH", 60, 0, 5, 0))
    c.send_frame(3, 1, b"hello")
    # RabbitMQ does not implement immediate: connection.close 540 from the broker.
    while True:
        ftype, ch, payload = c.read_frame()
        if ftype == 8:
            continue
        cid, mid = struct.unpack(">HH", payload[:4])
        if (ftype, ch, cid, mid) != (1, 0, 10, 50):
            raise Fail("B: expected connection.close from the broker, got %d.%d on %d" % (cid, mid, ch))
        code, = struct.unpack(">H", payload[4:6])
        text = payload[7:7 + payload[6]].decode(errors="replace")
        print("  B: got connection.close %d %s" % (code, text))
        if code != 540:
            raise Fail("B: expected reply code 540, got %d" % code)
        break
    c.send_method(0, 10, 51)
    # The broker closes the socket after close-ok.
    c.sock.settimeout(5)
    try:
        while c.sock.recv(4096):
            pass
    except OSError:
        pass
    c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5672)
    ap.add_argument("--user", default="guest")
    ap.add_argument("--password", default="guest")
    ap.add_argument("--mechanism", default="RABBIT-CR-DEMO", choices=["RABBIT-CR-DEMO", "PLAIN"],
                    help="login mechanism of connection A")
    args = ap.parse_args()
    try:
        print("raw_methods: connection A")
        session_a(args.host, args.port, args.user, args.password, args.mechanism)
        print("raw_methods: connection B")
        session_b(args.host, args.port, args.user, args.password)
    except (Fail, OSError) as e:
        print("raw_methods: FAILED: %s" % e, file=sys.stderr)
        return 1
    print("raw_methods: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
