#!/usr/bin/python3
"""The demo's workload: a producer and a consumer through the proxy, with confirms, a
server-named reply queue, properties and headers; a get; a refused login. Short and
deterministic.   demo.py PORT"""
import sys

import pika

port = int(sys.argv[1])
params = pika.ConnectionParameters("127.0.0.1", port, client_properties={"connection_name": "demo-orders"})

with pika.BlockingConnection(params) as connection:
    channel = connection.channel()
    channel.confirm_delivery()
    channel.exchange_declare("demo.orders", "topic")
    channel.queue_declare("demo.eu")
    channel.queue_bind("demo.eu", "demo.orders", "order.*.eu")
    reply_to = channel.queue_declare("", exclusive=True).method.queue
    for i in range(5):
        channel.basic_publish("demo.orders", f"order.created.eu",
                              f'{{"order": {i}, "total": {10 * i + 9.5}}}'.encode(),
                              pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                                   message_id=f"order-{i}", reply_to=reply_to,
                                                   headers={"tenant": "acme", "attempt": 1}))
    channel.basic_qos(prefetch_count=2)
    received = 0
    for method, properties, body in channel.consume("demo.eu", inactivity_timeout=2):
        if method is None:
            break
        channel.basic_ack(method.delivery_tag)
        received += 1
        if received == 4:
            break
    channel.cancel()
    method, properties, body = channel.basic_get("demo.eu", auto_ack=True)
    channel.queue_delete("demo.eu")
    channel.exchange_delete("demo.orders")
    print(f"demo workload: published 5 with confirms, consumed {received}, got {body.decode()}")

try:
    pika.BlockingConnection(pika.ConnectionParameters(
        "127.0.0.1", port, credentials=pika.PlainCredentials("guest", "not-the-password")))
except (pika.exceptions.ProbableAuthenticationError, pika.exceptions.ProbableAccessDeniedError) as e:
    print(f"demo workload: a wrong password is refused by the broker, through the proxy: {e}")
