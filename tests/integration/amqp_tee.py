#!/usr/bin/python3
"""A recording TCP relay for live tests: forwards bytes both ways unchanged and
records each direction of each connection to a file.

    /usr/bin/python3 tests/integration/amqp_tee.py --listen 5731 --target 127.0.0.1:5730 --out DIR

For the N-th accepted connection (from 1) it writes
    DIR/connN.client.bin   the exact bytes the client sent (client -> target)
    DIR/connN.server.bin   the exact bytes the target sent (target -> client)
Files are written as the bytes pass and flushed on every write and on close.

Half-closes are passed on (EOF on one side shuts down writing towards the other);
a connection ends when both directions are done or either side resets. Once
listening it prints "amqp_tee: listening on HOST:PORT -> TARGET" on stderr.
SIGTERM or SIGINT: stops accepting, closes open connections, flushes the files
and exits 0. Standard library only; no AMQP knowledge (any TCP protocol works).
"""
import argparse
import asyncio
import os
import signal
import sys

CHUNK = 65536


def log(quiet, msg):
    if not quiet:
        print("amqp_tee: " + msg, file=sys.stderr, flush=True)


class Relay:
    def __init__(self, args):
        self.args = args
        self.target_host, port = args.target.rsplit(":", 1)
        self.target_host = self.target_host.strip("[]")
        self.target_port = int(port)
        self.count = 0
        self.tasks = set()

    async def pump(self, reader, writer, out):
        """Copies reader -> writer and into the file out until EOF.
        Returns (bytes copied, how it ended: "eof", "reset" or an error text)."""
        total = 0
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                out.write(data)
                out.flush()
                total += len(data)
                writer.write(data)
                await writer.drain()
            # EOF from this side: pass the half-close on.
            if writer.can_write_eof() and not writer.is_closing():
                writer.write_eof()
            return total, "eof"
        except ConnectionResetError:
            # RabbitMQ closes its sockets with SO_LINGER 0 (an RST) after
            # connection.close-ok: normal, not an error.
            writer.close()
            return total, "reset"
        except (ConnectionError, OSError) as e:
            writer.close()
            return total, str(e)

    async def handle(self, creader, cwriter):
        self.count += 1
        n = self.count
        peer = cwriter.get_extra_info("peername")
        task = asyncio.current_task()
        self.tasks.add(task)
        cfile = open(os.path.join(self.args.out, "conn%d.client.bin" % n), "wb")
        sfile = open(os.path.join(self.args.out, "conn%d.server.bin" % n), "wb")
        swriter = None
        try:
            try:
                sreader, swriter = await asyncio.open_connection(self.target_host, self.target_port)
            except OSError as e:
                log(self.args.quiet, "conn%d from %s:%s: cannot reach %s: %s"
                    % (n, peer[0], peer[1], self.args.target, e))
                return
            log(self.args.quiet, "conn%d from %s:%s" % (n, peer[0], peer[1]))
            (up, up_end), (down, down_end) = await asyncio.gather(
                self.pump(creader, swriter, cfile), self.pump(sreader, cwriter, sfile))
            log(self.args.quiet, "conn%d closed: client->server %d bytes (%s), server->client %d bytes (%s)"
                % (n, up, up_end, down, down_end))
        except asyncio.CancelledError:
            log(self.args.quiet, "conn%d closed by shutdown" % n)
        finally:
            for w in (cwriter, swriter):
                if w is not None:
                    w.close()
            cfile.close()
            sfile.close()
            self.tasks.discard(task)

    async def run(self):
        os.makedirs(self.args.out, exist_ok=True)
        server = await asyncio.start_server(self.handle, self.args.listen_host, self.args.listen)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        log(False, "listening on %s:%d -> %s, writing %s"
            % (self.args.listen_host, self.args.listen, self.args.target, self.args.out))
        await stop.wait()
        server.close()
        await server.wait_closed()
        for t in list(self.tasks):
            t.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=5)
        log(self.args.quiet, "stopped after %d connections" % self.count)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", type=int, required=True, help="port to listen on")
    ap.add_argument("--listen-host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--target", required=True, help="HOST:PORT to forward to")
    ap.add_argument("--out", required=True, help="directory for connN.client.bin / connN.server.bin")
    ap.add_argument("-q", "--quiet", action="store_true", help="only print the listening line and errors")
    args = ap.parse_args()
    if ":" not in args.target:
        ap.error("--target must be HOST:PORT")
    try:
        asyncio.run(Relay(args).run())
    except OSError as e:
        print("amqp_tee: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
