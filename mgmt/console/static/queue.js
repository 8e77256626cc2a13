// One queue: figures and charts, consumers, bindings, and forms to publish
// to it, get (peek at) its messages, purge and delete it.

import { h, table, button, card, field, select, replace } from './dom.js';
import { LineChart, trim } from './chart.js';
import * as api from './api.js';
import * as fmt from './format.js';
import { featureBadges, purgeQueue, deleteQueue } from './queues.js';

export default function queue(ctx, { vhost, name }) {
  const base = `/queues/${api.enc(vhost)}/${api.enc(name)}`;
  const facts = h('div', { class: 'tiles' });
  const badges = h('span');
  const depthHist = [];
  const rateHist = [];
  let prev = null;
  let last = null; // the queue as last fetched, for the confirmations
  const depth = new LineChart('Queued messages', [
    { label: 'Ready', color: '#0f766e' },
    { label: 'Unacked', color: '#d97706' },
  ], { history: depthHist });
  const rates = new LineChart('Message rates', [
    { label: 'Publish', color: '#2563eb' },
    { label: 'Deliver / get', color: '#0f766e' },
    { label: 'Ack', color: '#7c3aed' },
  ], { unit: '/s', history: rateHist });

  const consumers = table([
    { title: 'Consumer tag', cell: (c) => h('code', { text: c.consumer_tag }) },
    { title: 'Connection', cell: (c) => c.channel_details?.connection_name ?? '' },
    { title: 'User', cell: (c) => c.channel_details?.user ?? '' },
    { title: 'Ack required', cell: (c) => (c.ack_required ? 'yes' : 'no') },
    { title: 'Exclusive', cell: (c) => (c.exclusive ? 'yes' : 'no') },
    { title: 'Prefetch', cell: (c) => fmt.int(c.prefetch_count), num: true },
  ], { empty: 'No consumers.' });
  const bindings = table([
    { title: 'From exchange', cell: (b) => b.source || '(default exchange)' },
    { title: 'Routing key', cell: (b) => h('code', { text: b.routing_key }) },
    { title: 'Arguments', cell: (b) => (Object.keys(b.arguments ?? {}).length ? JSON.stringify(b.arguments) : '') },
  ], { empty: 'No bindings.' });

  const actions = ctx.readOnly ? null : h('div', { class: 'toolbar' },
    button('Purge', async () => { if (await purgeQueue(ctx, last ?? { vhost, name })) ctx.refreshNow(); }),
    button('Delete', async () => { if (await deleteQueue(ctx, last ?? { vhost, name })) ctx.navigate('#/queues'); }, { kind: 'danger' }));

  const el = h('div', { class: 'queue' },
    h('p', { class: 'subtitle' }, h('a', { href: '#/queues', text: '← Queues' }), ` · virtual host ${vhost} · `, badges),
    actions,
    facts,
    h('div', { class: 'charts' }, card(null, depth.el), card(null, rates.el)),
    ctx.readOnly ? null : h('div', { class: 'split' }, publishForm(ctx, vhost, name), getForm(ctx, base)),
    card('Consumers', consumers.el),
    card('Bindings', bindings.el));

  return {
    el,
    async refresh() {
      const [q, cons, binds] = await Promise.all([
        api.get(base),
        api.get(`/consumers/${api.enc(vhost)}`),
        api.get(`${base}/bindings`),
      ]);
      last = q;
      replace(badges, featureBadges(q));
      replace(facts, [
        ['State', q.state], ['Ready', fmt.int(q.messages_ready)], ['Unacked', fmt.int(q.messages_unacknowledged)],
        ['Total', fmt.int(q.messages)], ['Ready bytes', fmt.bytes(q.message_bytes_ready)], ['Consumers', fmt.int(q.consumers)],
      ].map(([l, v]) => h('div', { class: 'tile' }, h('span', { class: 'label', text: l }), h('strong', { text: v }))));
      const now = Date.now();
      const ms = q.message_stats ?? {};
      const counts = [ms.publish ?? 0, ms.deliver_get ?? 0, ms.ack ?? 0];
      depthHist.push({ t: now, v: [q.messages_ready ?? 0, q.messages_unacknowledged ?? 0] });
      if (!prev) {
        prev = { t: now, c: counts };
      } else if (now - prev.t >= 900) {
        // As on the overview: short intervals after a click are noise.
        const dt = (now - prev.t) / 1000;
        rateHist.push({ t: now, v: counts.map((c, i) => Math.max(0, c - prev.c[i]) / dt) });
        prev = { t: now, c: counts };
      }
      trim(depthHist, now);
      trim(rateHist, now);
      depth.draw();
      rates.draw();
      consumers.update(cons.filter((c) => c.queue?.name === name));
      bindings.update(binds);
    },
    dispose() {
      depth.dispose();
      rates.dispose();
    },
  };
}

function publishForm(ctx, vhost, name) {
  const payload = h('textarea', { rows: 4, name: 'payload' });
  const mode = select([['2', 'Persistent'], ['1', 'Non-persistent']], '2');
  const headers = h('input', { placeholder: '{"key": "value"}', autocomplete: 'off' });
  const contentType = h('input', { placeholder: 'text/plain', autocomplete: 'off' });
  const form = h('form', {},
    h('p', { class: 'muted', text: `Sent through the default exchange with routing key “${name}”.` }),
    field('Payload', payload),
    h('div', { class: 'row' }, field('Delivery mode', mode), field('Content type', contentType)),
    field('Headers (JSON)', headers),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn primary', text: 'Publish message' })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const properties = { delivery_mode: Number(mode.value) };
    if (contentType.value.trim()) properties.content_type = contentType.value.trim();
    try {
      if (headers.value.trim()) properties.headers = JSON.parse(headers.value);
    } catch (e) {
      ctx.notify(`Headers are not JSON: ${e.message}`, 'error');
      return;
    }
    try {
      const r = await api.call('POST', `/exchanges/${api.enc(vhost)}/amq.default/publish`,
        { routing_key: name, payload: payload.value, payload_encoding: 'string', properties });
      if (r?.routed) ctx.notify('Message published.');
      else ctx.notify('Message published but not routed: the queue is gone.', 'error');
      ctx.refreshNow();
    } catch (e) {
      ctx.notify(`Could not publish: ${e.message}`, 'error');
    }
  });
  return card('Publish message', form);
}

function getForm(ctx, base) {
  const count = h('input', { type: 'number', min: 1, max: 1000, value: '1' });
  const ackmode = select([
    ['ack_requeue_true', 'Requeue (peek)'],
    ['ack_requeue_false', 'Remove from queue'],
    ['reject_requeue_true', 'Reject, requeue'],
    ['reject_requeue_false', 'Reject, no requeue'],
  ], 'ack_requeue_true');
  const out = h('div', { class: 'messages', 'aria-live': 'polite' });
  const form = h('form', {},
    h('div', { class: 'row' }, field('Messages', count), field('Ack mode', ackmode)),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn', text: 'Get messages' })),
    out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const msgs = await api.call('POST', `${base}/get`,
        { count: Number(count.value) || 1, ackmode: ackmode.value, encoding: 'auto', truncate: 50000 });
      replace(out, msgs.length === 0 ? h('p', { class: 'muted', text: 'Queue is empty.' }) : msgs.map(messageView));
      ctx.refreshNow();
    } catch (e) {
      ctx.notify(`Could not get messages: ${e.message}`, 'error');
    }
  });
  return card('Get messages', form);
}

function messageView(m, i) {
  const props = Object.entries(m.properties ?? {}).filter(([, v]) => v !== null && v !== '' && !(typeof v === 'object' && Object.keys(v).length === 0));
  return h('article', { class: 'message' },
    h('header', {},
      h('strong', { text: `Message ${i + 1}` }),
      h('span', { class: 'muted', text: ` · exchange ${m.exchange || '(default)'} · routing key ${m.routing_key}` }),
      m.redelivered ? h('span', { class: 'badge', text: 'redelivered' }) : null,
      h('span', { class: 'muted', text: ` · ${fmt.int(m.payload_bytes)} bytes${m.payload_encoding === 'base64' ? ', base64' : ''}` })),
    props.length ? h('dl', { class: 'facts compact' }, props.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: typeof v === 'object' ? JSON.stringify(v) : String(v) })])) : null,
    h('pre', { class: 'payload', text: m.payload }));
}
