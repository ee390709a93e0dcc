#!/usr/bin/python3
"""A TLS-terminating TCP relay for the amqps tests: accepts TLS on --listen with --cert and
--key, forwards the plaintext both ways to --target, and appends the SNI server name each
client sent (or "-" for none) to --sni-log. Prints "tls_relay: listening" on stderr once
listening; SIGTERM stops it. Standard library only.

    /usr/bin/python3 tls_relay.py --listen PORT --target HOST:PORT --cert C --key K --sni-log F
"""
import argparse
import asyncio
import signal
import ssl
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--sni-log", required=True)
    a = p.parse_args()
    host, port = a.target.rsplit(":", 1)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(a.cert, a.key)

    def sni(sslobj, name, ctx):
        with open(a.sni_log, "a") as f:
            f.write((name or "-") + "\n")

    context.sni_callback = sni

    async def on_client(reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(on_client, "127.0.0.1", a.listen, ssl=context)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    print("tls_relay: listening", file=sys.stderr, flush=True)
    async with server:
        await stop.wait()


asyncio.run(main())
