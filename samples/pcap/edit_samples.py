#!/usr/bin/python3
"""Derives the damaged pcap samples from pika_lo.pcap (classic pcap, little-endian):
  pika_midstream.pcap  frames 1-12 dropped: the capture starts mid-connection (broker speaks first)
  pika_loss.pcap       frame 21 dropped: 36 bytes client -> broker are missing
  pika_reorder.pcap    frames 25 and 26 swapped, frame 30 sent twice (a retransmission)
Frame numbers count from 1, as Wireshark shows them.   edit_samples.py [DIR]"""
import os
import struct
import sys

here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "pika_lo.pcap"), "rb") as f:
    data = f.read()
header, records, at = data[:24], [], 24
assert struct.unpack("<I", header[:4])[0] == 0xA1B2C3D4, "expects a little-endian microsecond pcap"
while at < len(data):
    caplen = struct.unpack("<I", data[at + 8:at + 12])[0]
    records.append(data[at:at + 16 + caplen])
    at += 16 + caplen


def write(name, frames):
    with open(os.path.join(here, name), "wb") as f:
        f.write(header + b"".join(frames))


write("pika_midstream.pcap", records[12:])
write("pika_loss.pcap", records[:20] + records[21:])
reordered = records[:24] + [records[25], records[24]] + records[26:30] + [records[29]] + records[30:]
write("pika_reorder.pcap", reordered)
