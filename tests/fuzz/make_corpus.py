#!/usr/bin/env python3
"""Seed corpus for fuzz_amqp_codec: every frame of the recorded sample streams as its own
file, plus the first 4 KiB of each stream (protocol header and handshake included)."""
import hashlib
import pathlib
import struct
import sys


def frames(data: bytes, client: bool):
    pos = 8 if client else 0
    while pos + 7 <= len(data):
        _, _, size = struct.unpack_from(">BHI", data, pos)
        end = pos + 7 + size + 1
        if end > len(data):
            return
        yield data[pos:end]
        pos = end


def main(samples: pathlib.Path, out: pathlib.Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for stream in sorted(samples.glob("*.bin")):
        data = stream.read_bytes()
        pieces = [data[:4096]] + [f[:4096] for f in frames(data, stream.name.endswith(".client.bin"))]
        for piece in pieces:
            (out / hashlib.sha1(piece).hexdigest()).write_bytes(piece)
            count += 1
    print(f"{count} seeds from {samples} into {out}")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))
