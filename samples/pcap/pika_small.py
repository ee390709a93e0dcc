#!/usr/bin/python3
"""The workload of the pcap samples: one short pika connection (declare, publish three
messages with confirms, get them back, ack, close). Small and deterministic.
   pika_small.py PORT"""
import sys

import pika

port = int(sys.argv[1])
params = pika.ConnectionParameters("127.0.0.1", port,
                                   client_properties={"connection_name": "amqpprox-pcap-sample"})
with pika.BlockingConnection(params) as connection:
    channel = connection.channel()
    channel.confirm_delivery()
    channel.queue_declare("pcap.sample", auto_delete=True)
    for i in range(3):
        channel.basic_publish("", "pcap.sample", f"message {i}".encode(),
                              pika.BasicProperties(content_type="text/plain", message_id=f"m{i}"))
    for _ in range(3):
        method, _properties, _body = channel.basic_get("pcap.sample")
        channel.basic_ack(method.delivery_tag)
    channel.queue_delete("pcap.sample")
