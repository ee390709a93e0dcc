#!/usr/bin/env python3
"""TCP ends for the amqp-stream bridge tests (tests/integration/amqp_stream_bridge_test.sh).

  amqp_stream_tcp.py servers SINK_PORT ECHO_PORT READY_FILE
      sink: reads to EOF, answers the SHA-256 hex of what it read, closes (needs half-close);
      echo: sends back what it reads as it reads it, and shuts down writing at EOF.
  amqp_stream_tcp.py exchange PORT SEND_FILE RECV_FILE
      sends SEND_FILE, shuts down writing, reads to EOF into RECV_FILE (both at once).
  amqp_stream_tcp.py concurrent PORT N BYTES
      N connections at once to an echo, each sending its own numbered pattern; checks each
      gets back exactly its own bytes in order.
  amqp_stream_tcp.py bulk PORT MB          (benchmarks, against a sink)
      sends MB megabytes, half-closes, waits for the sink's answer: prints MB/s.
  amqp_stream_tcp.py pingpong PORT N       (benchmarks, against an echo)
      N one-byte round trips on one connection: prints the median and p99 in microseconds.
"""
import time
import hashlib
import socket
import sys
import threading


def serve(port, handler):
    listener = socket.create_server(("127.0.0.1", port))
    def loop():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=handler, args=(conn,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def sink(conn):
    digest = hashlib.sha256()
    while True:
        data = conn.recv(65536)
        if not data:
            break
        digest.update(data)
    conn.sendall((digest.hexdigest() + "\n").encode())
    conn.close()


def echo(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            break
        conn.sendall(data)
    conn.shutdown(socket.SHUT_WR)
    conn.close()


def exchange(port, data):
    """Sends data, shuts down writing, returns what came back up to EOF."""
    conn = socket.create_connection(("127.0.0.1", port))
    def send():
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
    writer = threading.Thread(target=send)
    writer.start()
    chunks = []
    while True:
        chunk = conn.recv(1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    writer.join()
    conn.close()
    return b"".join(chunks)


def main():
    mode = sys.argv[1]
    if mode == "servers":
        serve(int(sys.argv[2]), sink)
        serve(int(sys.argv[3]), echo)
        open(sys.argv[4], "w").close()
        threading.Event().wait()
    elif mode == "exchange":
        with open(sys.argv[3], "rb") as f:
            data = f.read()
        got = exchange(int(sys.argv[2]), data)
        with open(sys.argv[4], "wb") as f:
            f.write(got)
    elif mode == "bulk":
        port, mb = int(sys.argv[2]), int(sys.argv[3])
        block = bytes(1 << 20)
        conn = socket.create_connection(("127.0.0.1", port))
        start = time.monotonic()
        for _ in range(mb):
            conn.sendall(block)
        conn.shutdown(socket.SHUT_WR)
        reply = conn.recv(100)
        took = time.monotonic() - start
        assert len(reply) == 65, reply
        print("%.1f MB/s (%d MB in %.2f s)" % (mb * 1.048576 / took, mb, took))
    elif mode == "pingpong":
        port, n = int(sys.argv[2]), int(sys.argv[3])
        conn = socket.create_connection(("127.0.0.1", port))
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rtts = []
        for _ in range(n):
            start = time.perf_counter()
            conn.sendall(b"x")
            assert conn.recv(1) == b"x"
            rtts.append(time.perf_counter() - start)
        conn.shutdown(socket.SHUT_WR)
        rtts.sort()
        print("median %.0f us, p99 %.0f us (%d round trips)" % (
            rtts[len(rtts) // 2] * 1e6, rtts[int(len(rtts) * 0.99)] * 1e6, n))
    elif mode == "concurrent":
        port, n, size = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        failures = []
        def one(i):
            pattern = b"".join(b"stream %02d line %08d\n" % (i, k) for k in range(size // 23 + 1))
            pattern = pattern[:size]
            try:
                got = exchange(port, pattern)
            except OSError as e:
                failures.append("stream %d: %s" % (i, e))
                return
            if got != pattern:
                failures.append("stream %d: got %d bytes, sent %d, first difference at %d" % (
                    i, len(got), len(pattern),
                    next((k for k, (a, b) in enumerate(zip(got, pattern)) if a != b),
                         min(len(got), len(pattern)))))
        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            sys.exit("\n".join(failures))
        print("%d streams ok" % n)


if __name__ == "__main__":
    main()
