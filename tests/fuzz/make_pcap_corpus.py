#!/usr/bin/python3
"""Seeds fuzz_pcap_packet from classic pcap files: one input per capture (and one per
window of 8 packets), in the target's format: a link-type selector byte, then frames as
[u16 big-endian length][bytes].   make_pcap_corpus.py OUT_DIR FILE.pcap..."""
import os
import struct
import sys

# Index in the target's kLinkTypes for each LINKTYPE the samples use.
SELECTOR = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 101: 5}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        continue  # pcapng and big-endian files are not needed for seeds
    link = struct.unpack("<I", data[20:24])[0]
    if link not in SELECTOR:
        continue
    frames, at = [], 24
    while at + 16 <= len(data):
        caplen = struct.unpack("<I", data[at + 8:at + 12])[0]
        frames.append(data[at + 16:at + 16 + caplen][:65535])
        at += 16 + caplen
    name = os.path.basename(path)
    def emit(tag, chunk):
        body = b"".join(struct.pack(">H", len(fr)) + fr for fr in chunk)
        with open(os.path.join(out, f"{name}.{tag}"), "wb") as f:
            f.write(bytes([SELECTOR[link]]) + body)
    emit("all", frames)
    for i in range(0, len(frames), 8):
        emit(f"w{i}", frames[i:i + 8])
