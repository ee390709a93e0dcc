#!/usr/bin/python3
"""Both ends of the PROXY protocol around amqpprox, for proxy_protocol_test.sh.

  proxy_protocol_peer.py backend PORT BROKER_PORT RECORD
      A backend flagged SEND-PROXY / SEND-PROXY-V2: reads the PROXY header (v1 or v2) each
      connection starts with, appends what it says to RECORD (one JSON line: version, family,
      src, sport, dst, dport; or an "error"), then relays the rest to the broker, adding the
      amqpprox_client property of the proxy's Start-Ok to that line once it has passed.

  proxy_protocol_peer.py front PORT PROXY_PORT VERSION SRC SPORT DST DPORT
      A load balancer in front of a `LISTEN START port PROXY` listener: each connection it
      accepts gets a v1 or v2 header claiming SRC:SPORT -> DST:DPORT sent ahead of its bytes.

Both print "ready" once listening and run until killed.
"""
import ipaddress
import json
import socket
import struct
import sys
import threading

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def relay(a, b, inspect=None):
    """Copies both ways until either side ends; inspect(data) sees what a sends to b."""
    def pipe(src, dst, look):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if look:
                    look(data)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    threading.Thread(target=pipe, args=(a, b, inspect), daemon=True).start()
    threading.Thread(target=pipe, args=(b, a, None), daemon=True).start()


def property_finder(name, found):
    """An inspect callback: calls found(value) once a long-string field `name` has passed
    (the Start-Ok comes within the first few hundred bytes)."""
    key = bytes([len(name)]) + name.encode() + b"S"
    state = {"seen": bytearray(), "done": False}

    def look(data):
        seen = state["seen"]
        if state["done"] or len(seen) > 65536:
            return
        seen.extend(data)
        at = seen.find(key)
        start = at + len(key) + 4
        if at < 0 or len(seen) < start:
            return
        (length,) = struct.unpack("!I", seen[start - 4:start])
        if len(seen) >= start + length:
            state["done"] = True
            found(seen[start:start + length].decode())

    return look


def recv_exactly(sock, n, got=b""):
    while len(got) < n:
        more = sock.recv(n - len(got))
        if not more:
            raise EOFError("connection ended inside the PROXY header")
        got += more
    return got


def read_header(sock):
    """The parsed header (a dict) and the bytes read after it."""
    first = recv_exactly(sock, 12)
    if first == V2_SIGNATURE:
        fixed = recv_exactly(sock, 4)
        ver_cmd, fam, length = struct.unpack("!BBH", fixed)
        body = recv_exactly(sock, length)
        out = {"version": 2, "command": "LOCAL" if ver_cmd & 0x0F == 0 else "PROXY"}
        assert ver_cmd >> 4 == 2, f"v2 version nibble {ver_cmd:#x}"
        if fam == 0x11:
            src, dst, sport, dport = struct.unpack("!4s4sHH", body[:12])
            out.update(family="TCP4", src=str(ipaddress.IPv4Address(src)),
                       dst=str(ipaddress.IPv4Address(dst)), sport=sport, dport=dport)
        elif fam == 0x21:
            src, dst, sport, dport = struct.unpack("!16s16sHH", body[:36])
            out.update(family="TCP6", src=str(ipaddress.IPv6Address(src)),
                       dst=str(ipaddress.IPv6Address(dst)), sport=sport, dport=dport)
        else:
            out.update(family=f"{fam:#x}")
        return out, b""
    assert first.startswith(b"PROXY "), f"no PROXY header: {first!r}"
    line = first
    while b"\r\n" not in line:
        assert len(line) < 107, f"v1 line too long: {line!r}"
        more = sock.recv(1)
        if not more:
            raise EOFError("connection ended inside the PROXY line")
        line += more
    words = line[:-2].decode().split(" ")
    out = {"version": 1, "family": words[1]}
    if words[1] in ("TCP4", "TCP6"):
        assert len(words) == 6, words
        out.update(src=words[2], dst=words[3], sport=int(words[4]), dport=int(words[5]))
    return out, b""


def encode(version, src, sport, dst, dport):
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    six = s.version == 6
    if version == 1:
        return f"PROXY {'TCP6' if six else 'TCP4'} {s} {d} {sport} {dport}\r\n".encode()
    if six:
        body = struct.pack("!16s16sHH", s.packed, d.packed, sport, dport)
        return V2_SIGNATURE + struct.pack("!BBH", 0x21, 0x21, len(body)) + body
    body = struct.pack("!4s4sHH", s.packed, d.packed, sport, dport)
    return V2_SIGNATURE + struct.pack("!BBH", 0x21, 0x11, len(body)) + body


def serve(port, handle):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    lock = threading.Lock()
    if mode == "backend":
        broker_port, record = int(sys.argv[3]), sys.argv[4]

        def handle(conn):
            try:
                header, rest = read_header(conn)
            except (AssertionError, EOFError, UnicodeDecodeError, ValueError) as e:
                header, rest = {"error": str(e)}, None
            if rest is None:
                with lock, open(record, "a") as f:
                    f.write(json.dumps(header) + "\n")
                conn.close()
                return

            def found(value):
                header["amqpprox_client"] = value
                with lock, open(record, "a") as f:
                    f.write(json.dumps(header) + "\n")

            broker = socket.create_connection(("127.0.0.1", broker_port))
            broker.sendall(rest)
            relay(conn, broker, property_finder("amqpprox_client", found))

        serve(port, handle)
    elif mode == "front":
        proxy_port, version = int(sys.argv[3]), int(sys.argv[4])
        header = encode(version, sys.argv[5], int(sys.argv[6]), sys.argv[7], int(sys.argv[8]))

        def handle(conn):
            upstream = socket.create_connection(("127.0.0.1", proxy_port))
            upstream.sendall(header)
            relay(conn, upstream)

        serve(port, handle)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
