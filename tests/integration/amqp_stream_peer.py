#!/usr/bin/env python3
"""One end of an amqp-stream connection, speaking the wire protocol of the Go library
github.com/TheCount/amqp-stream with pika, for tests of `amqp-analyze follow --amqp-stream`.

  amqp_stream_peer.py server|client PORT CONTROL_QUEUE SEND_FILE RECV_FILE [READY_FILE]

Each end writes SEND_FILE as messages of varying sizes (some above frame_max, so their bodies
span frames), ends its direction with an empty message, and writes what it reads up to the
peer's end of stream into RECV_FILE. The server touches READY_FILE once its control queue is
consumed. As in the Go library: the default exchange, mandatory, delivery mode 1, exclusive
auto-delete queues consumed with consumer tag = queue name and manual acks, one channel to read
and one to write, and the connection request is never acked.
"""
import random
import sys

import pika


def props(reply_to=None):
    return pika.BasicProperties(delivery_mode=1, reply_to=reply_to)


def declare(channel, name=""):
    return channel.queue_declare(name, durable=False, exclusive=True,
                                 auto_delete=True).method.queue


class Reader:
    """The reading half: the first message may be the handshake, then data up to an empty one."""

    def __init__(self, connection, expect_handshake):
        self.connection = connection
        self.channel = connection.channel()
        self.queue = declare(self.channel)
        self.expect_handshake = expect_handshake
        self.peer_queue = None
        self.data = bytearray()
        self.ended = False
        self.channel.basic_consume(self.queue, self.on_message, auto_ack=False, exclusive=True,
                                   consumer_tag=self.queue)

    def on_message(self, channel, method, properties, body):
        if self.expect_handshake:
            if body or not properties.reply_to:
                channel.basic_reject(method.delivery_tag, requeue=False)
                raise SystemExit("bad handshake reply")
            channel.basic_ack(method.delivery_tag)
            self.peer_queue = properties.reply_to
            self.expect_handshake = False
            return
        channel.basic_ack(method.delivery_tag)
        if not body:
            self.ended = True
        else:
            self.data.extend(body)

    def wait(self, done):
        while not done():
            self.connection.process_data_events(time_limit=1)


def send_all(channel, queue, data, seed):
    rng = random.Random(seed)
    i = 0
    while i < len(data):
        n = rng.choice([1, 7, 4096, 32768, 200000])
        channel.basic_publish("", queue, data[i:i + n], props(), mandatory=True)
        i += n
    channel.basic_publish("", queue, b"", props(), mandatory=True)  # end of stream


def main():
    role, port, control, send_file, recv_file = sys.argv[1:6]
    ready_file = sys.argv[6] if len(sys.argv) > 6 else None
    with open(send_file, "rb") as f:
        data = f.read()
    params = pika.ConnectionParameters("127.0.0.1", int(port),
                                       client_properties={"connection_name": "amqp-stream-" + role})
    connection = pika.BlockingConnection(params)
    if role == "server":
        listen = connection.channel()
        declare(listen, control)
        request = {}

        def on_request(channel, method, properties, body):
            if not body and properties.reply_to and "queue" not in request:
                request["queue"] = properties.reply_to

        listen.basic_consume(control, on_request, auto_ack=False, exclusive=True,
                             consumer_tag=control)
        if ready_file:
            open(ready_file, "w").close()
        while "queue" not in request:
            connection.process_data_events(time_limit=1)
        reader = Reader(connection, expect_handshake=False)
        writer = connection.channel()
        writer.basic_publish("", request["queue"], b"", props(reply_to=reader.queue),
                             mandatory=True)
        send_all(writer, request["queue"], data, 2)
    else:
        reader = Reader(connection, expect_handshake=True)
        writer = connection.channel()
        writer.basic_publish("", control, b"", props(reply_to=reader.queue), mandatory=True)
        reader.wait(lambda: reader.peer_queue is not None)
        send_all(writer, reader.peer_queue, data, 1)
    reader.wait(lambda: reader.ended)
    with open(recv_file, "wb") as f:
        f.write(reader.data)
    connection.close()


if __name__ == "__main__":
    main()
