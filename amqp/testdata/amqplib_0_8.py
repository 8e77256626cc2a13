# py-amqplib speaks AMQP 0-8 (it sends the "AMQP\x01\x01\x09\x01" header that
# old 0-8 clients used). Run by TestAMQP08ClientPyAmqplib with the broker address.
import sys
from amqplib import client_0_8 as amqp
host = sys.argv[1]
conn = amqp.Connection(host=host, userid='guest', password='guest', virtual_host='/')
ch = conn.channel()
ch.access_request('/data', active=True, write=True, read=True)
ch.exchange_declare('old-x', 'direct', durable=False, auto_delete=True)
q, count, consumers = ch.queue_declare('old-q', durable=False, exclusive=False, auto_delete=False)
ch.queue_bind('old-q', 'old-x', routing_key='k')
msg = amqp.Message('hello 0-8', content_type='text/plain', application_headers={'n': 7, 's': 'str'}, delivery_mode=2, priority=3)
ch.basic_publish(msg, 'old-x', 'k')
m = None
for _ in range(50):
    m = ch.basic_get('old-q')
    if m: break
assert m is not None, 'no message'
print('got', m.body, m.properties.get('content_type'), m.properties.get('application_headers'), m.delivery_info['routing_key'])
ch.basic_ack(m.delivery_info['delivery_tag'])
got = []
def cb(msg):
    got.append(msg.body); msg.channel.basic_ack(msg.delivery_tag)
ch.basic_consume('old-q', callback=cb)
ch.basic_publish(amqp.Message('second'), 'old-x', 'k')
while not got:
    ch.wait()
print('consumed', got)
ch.queue_delete('old-q')
ch.close(); conn.close()
print('OK')
