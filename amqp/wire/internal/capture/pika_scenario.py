"""Pika side of the wire package's capture: connect, declare, publish with
headers of Python's types, consume, get, ack, close. Run by capture/main.go
with the proxy's host:port as the only argument."""
import datetime
import decimal
import sys

import pika

host, port = sys.argv[1].rsplit(":", 1)
params = pika.ConnectionParameters(
    host=host, port=int(port), heartbeat=30,
    credentials=pika.PlainCredentials("guest", "guest"),
    client_properties={"connection_name": "junction-capture-pika"})
conn = pika.BlockingConnection(params)
ch = conn.channel()
ch.confirm_delivery()
ch.exchange_declare("pika.direct", exchange_type="direct", auto_delete=True)
ch.queue_declare("pika.q", auto_delete=True, arguments={"x-max-length": 100})
ch.queue_bind("pika.q", "pika.direct", routing_key="pika.key")
headers = {
    "int": 42,
    "big": 2**40,
    "neg": -7,
    "str": "text",
    "bytes": b"\x00\x01",
    "bool": True,
    "none": None,
    "decimal": decimal.Decimal("3.14"),
    "time": datetime.datetime(2023, 11, 14, 22, 13, 20),
    "dict": {"nested": 1},
    "list": [1, "two", False],
}
props = pika.BasicProperties(
    content_type="text/plain", delivery_mode=2, priority=3,
    correlation_id="pika-corr", reply_to="pika.reply", message_id="pika-1",
    timestamp=1700000002, type="pika.type", app_id="pika", headers=headers)
ch.basic_publish("pika.direct", "pika.key", b"hello from pika", props)
ch.basic_publish("pika.direct", "pika.key", b"second", pika.BasicProperties())
method, _, body = ch.basic_get("pika.q")
ch.basic_ack(method.delivery_tag)
for method, _, body in ch.consume("pika.q", inactivity_timeout=2):
    if method is None:
        break
    ch.basic_ack(method.delivery_tag)
    break
ch.cancel()
ch.queue_delete("pika.q")
ch.exchange_delete("pika.direct")
ch.close()
conn.close()
