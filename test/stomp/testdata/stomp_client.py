"""Drives a broker with stomp.py (Debian's python3-stomp) the way a Python
application would: connect with client heart-beats, subscribe to a queue with
client-individual acks and to a topic, send with headers, inside and
outside a transaction, receive, ack, disconnect. Prints OK on success;
anything else is the failure.

Usage: stomp_client.py HOST PORT NAME
"""
import queue
import sys

import stomp


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)


class Collector(stomp.ConnectionListener):
    def __init__(self):
        self.messages = queue.Queue()
        self.errors = queue.Queue()

    def on_message(self, frame):
        self.messages.put(frame)

    def on_error(self, frame):
        self.errors.put(frame)


def main():
    host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    # The client beats, the broker does not: Junction's beats may come up to
    # 1.5 intervals apart, which is exactly where stomp.py gives up.
    conn = stomp.Connection12([(host, port)], heartbeats=(1000, 0), vhost="/", timeout=5)
    listener = Collector()
    conn.set_listener("collector", listener)
    conn.connect("guest", "guest", wait=True, with_connect_command=True)

    def receive(what):
        try:
            return listener.messages.get(timeout=5)
        except queue.Empty:
            err = None if listener.errors.empty() else listener.errors.get().headers
            check(False, "no MESSAGE for %s (ERROR: %r)" % (what, err))

    q = "/queue/" + name
    conn.subscribe(q, id="q-sub", ack="client-individual", receipt="sub-receipt")
    for i in range(3):
        conn.send(q, "msg-%d" % i, content_type="text/plain", headers={"index": str(i), "persistent": "true"})
    for i in range(3):
        m = receive("queue message %d" % i)
        check(m.body == "msg-%d" % i, "body %r, want msg-%d" % (m.body, i))
        check(m.headers.get("index") == str(i), "index header %r" % m.headers.get("index"))
        check(m.headers.get("persistent") == "true", "persistent header %r" % m.headers.get("persistent"))
        check(m.headers.get("subscription") == "q-sub", "subscription header %r" % m.headers.get("subscription"))
        conn.ack(m.headers["ack"])

    t = "/topic/" + name
    conn.subscribe(t, id="t-sub", ack="auto")
    tx = conn.begin()
    conn.send(t, "in-tx", transaction=tx)
    conn.commit(tx)
    m = receive("committed topic message")
    check(m.body == "in-tx", "topic body %r" % m.body)
    check(m.headers.get("destination") == t, "destination %r" % m.headers.get("destination"))

    conn.disconnect(receipt="bye")
    check(listener.errors.empty(), "ERROR frames: %r" % (None if listener.errors.empty() else listener.errors.get().headers))
    print("OK")


if __name__ == "__main__":
    main()
