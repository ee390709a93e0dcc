#!/usr/bin/env python3
"""TLS clients for proxy_tls_test.sh.

  tls_client.py roundtrip PORT QUEUE BODY [--ca F] [--cert F --key F]
      pika (TLS when --ca is given) publishes BODY to QUEUE through the default exchange
      and gets it back; prints the body. Exit 1 with the reason when the broker or proxy
      closes the connection (prints "closed CODE TEXT"), 2 on any other connection failure.
  tls_client.py version PORT CA (tls1.2|tls1.3) [--proxy-v1]
      a TLS handshake pinned to one version (after a PROXY v1 line with --proxy-v1), then
      the AMQP header; prints the negotiated version and whether Connection.Start came back
      ("start").
"""
import socket
import ssl
import sys

import pika


def tls_context(ca, cert=None, key=None):
    context = ssl.create_default_context(cafile=ca)
    if cert:
        context.load_cert_chain(cert, key)
    return context


def roundtrip(args):
    port, queue, body = int(args[0]), args[1], args[2]
    options = dict(zip(args[3::2], args[4::2]))
    params = dict(host="localhost", port=port, connection_attempts=1, socket_timeout=5,
                  blocked_connection_timeout=10)
    if "--ca" in options:
        context = tls_context(options["--ca"], options.get("--cert"), options.get("--key"))
        params["ssl_options"] = pika.SSLOptions(context, "localhost")
    try:
        connection = pika.BlockingConnection(pika.ConnectionParameters(**params))
    except pika.exceptions.ConnectionClosedByBroker as e:
        print(f"closed {e.reply_code} {e.reply_text}")
        return 1
    except Exception as e:  # TLS refusals surface as several exception types
        print(f"failed {type(e).__name__} {e}")
        return 2
    channel = connection.channel()
    channel.queue_declare(queue, auto_delete=True)
    channel.basic_publish("", queue, body.encode())
    got = None
    for _ in range(50):
        _, _, got = channel.basic_get(queue, auto_ack=True)
        if got is not None:
            break
        connection.sleep(0.1)
    connection.close()
    print(got.decode() if got is not None else "nothing")
    return 0


def version(args):
    port, ca, wanted = int(args[0]), args[1], args[2]
    context = tls_context(ca)
    pinned = ssl.TLSVersion.TLSv1_2 if wanted == "tls1.2" else ssl.TLSVersion.TLSv1_3
    context.minimum_version = context.maximum_version = pinned
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        if "--proxy-v1" in args[3:]:
            raw.sendall(b"PROXY TCP4 203.0.113.9 127.0.0.1 40000 5671\r\n")
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"AMQP\x00\x00\x09\x01")
            head = tls.recv(7)
            started = len(head) == 7 and head[0] == 1 and head[1:3] == b"\x00\x00"
            print(tls.version(), "start" if started else f"no start: {head!r}")
    return 0


if __name__ == "__main__":
    command, rest = sys.argv[1], sys.argv[2:]
    sys.exit({"roundtrip": roundtrip, "version": version}[command](rest))
