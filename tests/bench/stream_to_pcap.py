#!/usr/bin/env python3
"""Wraps a raw AMQP byte stream into a classic pcap of one TCP connection (Ethernet/IPv4,
broker port 5672, 32 KiB segments), so tshark can dissect exactly the bytes the decode
benchmark uses.   stream_to_pcap.py IN.bin OUT.pcap"""
import struct
import sys

SEGMENT = 32768


def ipv4_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def main(src: str, dst: str) -> None:
    data = open(src, "rb").read()
    with open(dst, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535 + 14, 1))
        seq = 1000
        for i, at in enumerate(range(0, len(data), SEGMENT)):
            payload = data[at:at + SEGMENT]
            tcp = struct.pack("!HHIIBBHHH", 5672, 40000, seq, 1, 5 << 4, 0x18, 65535, 0, 0)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), i & 0xFFFF,
                             0x4000, 64, 6, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2]))
            ip = ip[:10] + struct.pack("!H", ipv4_checksum(ip)) + ip[12:]
            frame = b"\x00" * 12 + b"\x08\x00" + ip + tcp + payload
            out.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000,
                                  len(frame), len(frame)))
            out.write(frame)
            seq = (seq + len(payload)) & 0xFFFFFFFF


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
