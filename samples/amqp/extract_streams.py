#!/usr/bin/python3
"""Extracts the raw AMQP byte streams of every TCP connection in pcap files and
checks that each one is a complete sequence of AMQP 0-9-1 frames.

    samples/amqp/extract_streams.py [--out DIR] [--manifest FILE] NAME.pcap...
    samples/amqp/extract_streams.py --check FILE.bin...     (frame walk only)
    samples/amqp/extract_streams.py --coverage streams.json (method table, markdown)

For each pcap NAME.pcap and each TCP connection N in it (numbered from 1 in
order of appearance) writes:

    DIR/NAME.connN.client.bin   client -> broker, starts with "AMQP\\0\\0\\x09\\x01"
    DIR/NAME.connN.server.bin   broker -> client

The TCP payloads are taken with tshark (fields tcp.stream, ports, relative
sequence numbers, payload; AMQP dissection off) and put in sequence order;
retransmitted copies are dropped; a gap (missing bytes) is an error.

Each stream is then walked as AMQP frames (7-byte header: type u8, channel u16,
size u32, all big endian; payload; frame-end octet 0xCE): every frame must end
in 0xCE and the stream must end exactly at a frame boundary. Prints the count of
frames by type and the methods seen, and (with --manifest) writes them as JSON.
Exits 1 on any error.
"""
import argparse
import collections
import json
import os
import struct
import subprocess
import sys

PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
FRAME_END = 0xCE
FRAME_TYPES = {1: "method", 2: "header", 3: "body", 8: "heartbeat"}

# The 66 methods of AMQP 0-9-1 as RabbitMQ speaks it (with its extensions:
# exchange.bind/unbind, basic.nack, confirm, connection.blocked/unblocked,
# connection.update-secret).
METHODS = {
    (10, 10): "connection.start", (10, 11): "connection.start-ok",
    (10, 20): "connection.secure", (10, 21): "connection.secure-ok",
    (10, 30): "connection.tune", (10, 31): "connection.tune-ok",
    (10, 40): "connection.open", (10, 41): "connection.open-ok",
    (10, 50): "connection.close", (10, 51): "connection.close-ok",
    (10, 60): "connection.blocked", (10, 61): "connection.unblocked",
    (10, 70): "connection.update-secret", (10, 71): "connection.update-secret-ok",
    (20, 10): "channel.open", (20, 11): "channel.open-ok",
    (20, 20): "channel.flow", (20, 21): "channel.flow-ok",
    (20, 40): "channel.close", (20, 41): "channel.close-ok",
    (30, 10): "access.request", (30, 11): "access.request-ok",
    (40, 10): "exchange.declare", (40, 11): "exchange.declare-ok",
    (40, 20): "exchange.delete", (40, 21): "exchange.delete-ok",
    (40, 30): "exchange.bind", (40, 31): "exchange.bind-ok",
    (40, 40): "exchange.unbind", (40, 51): "exchange.unbind-ok",  # 51, not 41
    (50, 10): "queue.declare", (50, 11): "queue.declare-ok",
    (50, 20): "queue.bind", (50, 21): "queue.bind-ok",
    (50, 30): "queue.purge", (50, 31): "queue.purge-ok",
    (50, 40): "queue.delete", (50, 41): "queue.delete-ok",
    (50, 50): "queue.unbind", (50, 51): "queue.unbind-ok",
    (60, 10): "basic.qos", (60, 11): "basic.qos-ok",
    (60, 20): "basic.consume", (60, 21): "basic.consume-ok",
    (60, 30): "basic.cancel", (60, 31): "basic.cancel-ok",
    (60, 40): "basic.publish", (60, 50): "basic.return",
    (60, 60): "basic.deliver",
    (60, 70): "basic.get", (60, 71): "basic.get-ok", (60, 72): "basic.get-empty",
    (60, 80): "basic.ack", (60, 90): "basic.reject",
    (60, 100): "basic.recover-async", (60, 110): "basic.recover",
    (60, 111): "basic.recover-ok", (60, 120): "basic.nack",
    (85, 10): "confirm.select", (85, 11): "confirm.select-ok",
    (90, 10): "tx.select", (90, 11): "tx.select-ok",
    (90, 20): "tx.commit", (90, 21): "tx.commit-ok",
    (90, 30): "tx.rollback", (90, 31): "tx.rollback-ok",
}
assert len(METHODS) == 66


class StreamError(Exception):
    pass


def method_name(cm):
    return METHODS.get(cm, "unknown(%d.%d)" % cm)


def walk(data, is_client):
    """Walks the frames of one direction; returns (frame type counts, method counts)."""
    pos = 0
    if is_client:
        if not data.startswith(PROTOCOL_HEADER):
            raise StreamError("client stream does not start with the AMQP 0-9-1 protocol header")
        pos = len(PROTOCOL_HEADER)
    types = collections.Counter()
    methods = collections.Counter()
    n = 0
    while pos < len(data):
        if len(data) - pos < 8:
            raise StreamError("%d trailing bytes at offset %d: not a whole frame" % (len(data) - pos, pos))
        ftype, channel, size = struct.unpack_from(">BHI", data, pos)
        end = pos + 7 + size
        if end >= len(data):
            raise StreamError("frame %d at offset %d (type %d, size %d) runs past the end (%d bytes)"
                              % (n, pos, ftype, size, len(data)))
        if data[end] != FRAME_END:
            raise StreamError("frame %d at offset %d (type %d, size %d) ends in 0x%02x, not 0xCE"
                              % (n, pos, ftype, size, data[end]))
        if ftype not in FRAME_TYPES:
            raise StreamError("frame %d at offset %d has unknown type %d" % (n, pos, ftype))
        types[FRAME_TYPES[ftype]] += 1
        if ftype == 1:
            if size < 4:
                raise StreamError("method frame %d at offset %d too short" % (n, pos))
            cm = struct.unpack_from(">HH", data, pos + 7)
            methods[method_name(cm)] += 1
        elif ftype == 8 and (channel != 0 or size != 0):
            raise StreamError("heartbeat frame %d at offset %d on channel %d size %d" % (n, pos, channel, size))
        pos = end + 1
        n += 1
    return types, methods


def tshark_segments(pcap):
    """Yields (tcp stream, src port, dst port, relative seq, payload bytes, syn, fin)."""
    cmd = ["tshark", "-r", pcap, "-n", "--disable-protocol", "amqp",
           "-o", "tcp.relative_sequence_numbers:TRUE",
           "-o", "tcp.desegment_tcp_streams:FALSE",
           "-T", "fields", "-E", "separator=/t",
           "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.seq",
           "-e", "tcp.flags.syn", "-e", "tcp.flags.fin", "-e", "tcp.payload"]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise StreamError("tshark failed on %s: %s" % (pcap, res.stderr.strip()))
    for line in res.stdout.splitlines():
        f = line.split("\t")
        if len(f) < 7 or not f[0]:
            continue
        payload = bytes.fromhex(f[6].replace(":", "")) if f[6] else b""
        yield int(f[0]), int(f[1]), int(f[2]), int(f[3]), payload, f[4] in ("1", "True"), f[5] in ("1", "True")


def assemble(segments, where):
    """Puts (seq, payload) in order; drops exact retransmissions; fails on gaps."""
    out = bytearray()
    if not segments:
        return bytes(out)
    segments = sorted(segments, key=lambda s: s[0])
    start = segments[0][0]
    for seq, payload in segments:
        off = seq - start
        if off > len(out):
            raise StreamError("%s: %d bytes missing at stream offset %d (capture lost packets?)"
                              % (where, off - len(out), len(out)))
        if off < len(out):  # retransmission or overlap: must agree with what we have
            overlap = min(len(out) - off, len(payload))
            if out[off:off + overlap] != payload[:overlap]:
                raise StreamError("%s: retransmitted bytes at offset %d differ" % (where, off))
            payload = payload[overlap:]
        out += payload
    return bytes(out)


def extract(pcap):
    """Returns [(conn number, client port, server port, client bytes, server bytes)]."""
    conns = collections.OrderedDict()
    for stream, sport, dport, seq, payload, syn, _fin in tshark_segments(pcap):
        c = conns.setdefault(stream, {"ports": (sport, dport), "dirs": collections.defaultdict(list),
                                      "syn": False})
        c["syn"] |= syn
        if payload:
            c["dirs"][(sport, dport)].append((seq, payload))
    result = []
    for n, (stream, c) in enumerate(conns.items(), 1):
        where = "%s tcp.stream %d" % (os.path.basename(pcap), stream)
        if not c["syn"]:
            raise StreamError("%s: connection start (SYN) not captured" % where)
        dirs = {k: assemble(v, "%s %d->%d" % (where, k[0], k[1])) for k, v in c["dirs"].items()}
        client = [k for k, v in dirs.items() if v.startswith(PROTOCOL_HEADER)]
        if len(client) != 1:
            raise StreamError("%s: no direction starts with the AMQP protocol header" % where)
        cport, sport = client[0]
        result.append((n, cport, sport, dirs[client[0]], dirs.get((sport, cport), b"")))
    return result


def describe(name, types, methods):
    ft = ", ".join("%s %d" % (t, types[t]) for t in ("method", "header", "body", "heartbeat") if types[t])
    ms = ", ".join("%s x%d" % (m, k) if k > 1 else m for m, k in methods.items())
    return "%s: %d frames (%s)\n    methods: %s" % (name, sum(types.values()), ft, ms)


def coverage_table(manifest_file):
    """Markdown table: every one of the 66 methods, its count per capture and direction."""
    manifest = json.load(open(manifest_file))
    pcaps = list(collections.OrderedDict((m["pcap"], None) for m in manifest))
    cols = [(p, d) for p in pcaps for d in ("client->server", "server->client")]
    counts = collections.defaultdict(collections.Counter)
    for m in manifest:
        for name, k in m["methods"].items():
            counts[name][(m["pcap"], m["direction"])] += k
    short = {"client->server": "C>S", "server->client": "S>C"}
    lines = ["| method | " + " | ".join("%s %s" % (p[:-5] if p.endswith(".pcap") else p, short[d])
                                      for p, d in cols) + " |",
             "|---|" + "---:|" * len(cols)]
    missing = []
    for (cid, mid), name in sorted(METHODS.items()):
        row = [str(counts[name][c]) if counts[name][c] else "" for c in cols]
        if not any(row):
            missing.append(name)
        lines.append("| %s (%d.%d) | %s |" % (name, cid, mid, " | ".join(row)))
    ftypes = collections.defaultdict(collections.Counter)
    for m in manifest:
        for t, k in m["frame_types"].items():
            ftypes[t][(m["pcap"], m["direction"])] += k
    for t in ("header", "body", "heartbeat"):
        lines.append("| *%s frames* | %s |" % (t, " | ".join(
            str(ftypes[t][c]) if ftypes[t][c] else "" for c in cols)))
    lines.append("")
    lines.append("methods covered: %d of %d%s" % (len(METHODS) - len(missing), len(METHODS),
                                                  "; missing: " + ", ".join(missing) if missing else ""))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="pcap files (or .bin files with --check)")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="directory for the .bin files (default: beside this script)")
    ap.add_argument("--manifest", help="write a JSON summary of every stream to this file")
    ap.add_argument("--check", action="store_true",
                    help="only walk the frames of the given .bin files (NAME.client.bin / NAME.server.bin)")
    ap.add_argument("--coverage", action="store_true",
                    help="print a markdown table of the methods in the given streams.json manifest")
    args = ap.parse_args()

    if args.coverage:
        for f in args.files:
            print(coverage_table(f))
        return 0
    errors = 0
    manifest = []
    if args.check:
        for f in args.files:
            data = open(f, "rb").read()
            try:
                types, methods = walk(data, f.endswith(".client.bin"))
                print(describe("%s (%d bytes)" % (f, len(data)), types, methods))
            except StreamError as e:
                print("ERROR %s: %s" % (f, e), file=sys.stderr)
                errors += 1
        return 1 if errors else 0

    os.makedirs(args.out, exist_ok=True)
    for pcap in args.files:
        base = os.path.basename(pcap)
        base = base[:-5] if base.endswith(".pcap") else base
        try:
            conns = extract(pcap)
        except StreamError as e:
            print("ERROR %s" % e, file=sys.stderr)
            errors += 1
            continue
        for n, cport, sport, cdata, sdata in conns:
            for side, data in (("client", cdata), ("server", sdata)):
                name = "%s.conn%d.%s.bin" % (base, n, side)
                try:
                    types, methods = walk(data, side == "client")
                except StreamError as e:
                    print("ERROR %s: %s" % (name, e), file=sys.stderr)
                    errors += 1
                    continue
                with open(os.path.join(args.out, name), "wb") as fh:
                    fh.write(data)
                print(describe("%s (%d bytes, port %d->%d)" % (
                    name, len(data), cport if side == "client" else sport,
                    sport if side == "client" else cport), types, methods))
                manifest.append({
                    "file": name, "pcap": os.path.basename(pcap), "connection": n,
                    "direction": "client->server" if side == "client" else "server->client",
                    "bytes": len(data), "frames": sum(types.values()),
                    "frame_types": dict(types), "methods": dict(methods),
                })
    if args.manifest and not errors:
        with open(args.manifest, "w") as fh:
            json.dump(manifest, fh, indent=1)
            fh.write("\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
