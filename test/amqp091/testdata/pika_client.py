"""Drives a broker with pika (Debian's python3-pika) the way a Python
application would: declare, publish with properties under publisher
confirms, consume, ack. Prints OK on success; anything else is the failure.

Usage: pika_client.py AMQP_URL QUEUE_NAME
"""
import sys

import pika


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)


def main():
    url, queue = sys.argv[1], sys.argv[2]
    params = pika.URLParameters(url)
    params.socket_timeout = 5
    params.blocked_connection_timeout = 5
    conn = pika.BlockingConnection(params)
    ch = conn.channel()

    ok = ch.queue_declare(queue=queue, exclusive=True, arguments={"x-max-priority": 5})
    check(ok.method.queue == queue, "declare-ok names %r" % ok.method.queue)
    check(ok.method.message_count == 0, "fresh queue holds messages")

    ch.confirm_delivery()
    for i in range(3):
        ch.basic_publish(
            exchange="",
            routing_key=queue,
            body=("msg-%d" % i).encode(),
            properties=pika.BasicProperties(
                content_type="text/plain",
                delivery_mode=2,
                priority=i,
                correlation_id="corr-%d" % i,
                message_id="id-%d" % i,
                headers={"index": i, "name": "pika", "flag": True},
            ),
            mandatory=True,
        )
    try:
        ch.basic_publish(exchange="", routing_key=queue + ".nowhere", body=b"x", mandatory=True)
        check(False, "mandatory publish to nowhere was not returned")
    except pika.exceptions.UnroutableError:
        pass

    got = []
    for method, props, body in ch.consume(queue, inactivity_timeout=5):
        check(method is not None, "no delivery within 5s (got %d)" % len(got))
        got.append((body.decode(), props.correlation_id, props.message_id, props.priority,
                    props.content_type, props.delivery_mode, dict(props.headers)))
        ch.basic_ack(method.delivery_tag)
        if len(got) == 3:
            break
    ch.cancel()

    # x-max-priority: highest priority first.
    want = [("msg-%d" % i, "corr-%d" % i, "id-%d" % i, i, "text/plain", 2,
             {"index": i, "name": "pika", "flag": True}) for i in (2, 1, 0)]
    check(got == want, "consumed %r, want %r" % (got, want))

    ok = ch.queue_declare(queue=queue, passive=True)
    check(ok.method.message_count == 0, "%d messages left after acks" % ok.method.message_count)
    conn.close()
    print("OK")


if __name__ == "__main__":
    main()
