// Overview: totals, live charts of queued messages and message rates, and
// the open listeners and alarms.

import { h, card, table, replace } from './dom.js';
import { LineChart } from './chart.js';
import * as fmt from './format.js';

const tiles = [
  ['Connections', (o) => o.object_totals?.connections],
  ['Channels', (o) => o.object_totals?.channels],
  ['Queues', (o) => o.object_totals?.queues],
  ['Consumers', (o) => o.object_totals?.consumers],
  ['Exchanges', (o) => o.object_totals?.exchanges],
  ['Ready', (o) => o.queue_totals?.messages_ready],
  ['Unacked', (o) => o.queue_totals?.messages_unacknowledged],
];

export default function overview(ctx) {
  const tileEls = tiles.map(([label]) => h('div', { class: 'tile' }, h('span', { class: 'label', text: label }), h('strong', { text: '–' })));
  const depth = new LineChart('Queued messages', [
    { label: 'Ready', color: '#0f766e' },
    { label: 'Unacked', color: '#d97706' },
  ], { history: ctx.history.depth });
  const rates = new LineChart('Message rates', [
    { label: 'Publish', color: '#2563eb' },
    { label: 'Deliver / get', color: '#0f766e' },
    { label: 'Ack', color: '#7c3aed' },
    { label: 'Redeliver', color: '#dc2626' },
  ], { unit: '/s', history: ctx.history.rates });
  const alarms = h('div');
  const listeners = table([
    { title: 'Protocol', cell: (l) => l.protocol },
    { title: 'Address', cell: (l) => l.ip_address },
    { title: 'Port', cell: (l) => String(l.port), num: true },
  ], { empty: 'No listeners.' });
  const node = h('dl', { class: 'facts' });

  const el = h('div', { class: 'overview' },
    alarms,
    h('div', { class: 'tiles' }, tileEls),
    h('div', { class: 'charts' }, card(null, depth.el), card(null, rates.el)),
    h('div', { class: 'split' }, card('Listeners', listeners.el), card('Node', node)));

  return {
    el,
    async refresh() {
      const o = ctx.overview;
      if (!o) return;
      tiles.forEach(([, get], i) => { tileEls[i].lastChild.textContent = fmt.int(get(o)); });
      depth.draw();
      rates.draw();
      listeners.update(o.listeners ?? []);
      replace(alarms, (o.alarms ?? []).map((a) => h('div', { class: 'banner', role: 'alert',
        text: `Resource alarm: ${typeof a === 'string' ? a : (a.resource ?? JSON.stringify(a))} — publishers are blocked` })));
      replace(node,
        h('dt', { text: 'Product' }), h('dd', { text: `${o.product_name ?? 'Junction'} ${o.product_version ?? ''}` }),
        h('dt', { text: 'Node' }), h('dd', { text: o.node ?? '' }),
        h('dt', { text: 'API level' }), h('dd', { text: `RabbitMQ management ${o.management_version ?? ''}` }),
        h('dt', { text: 'Messages published' }), h('dd', { text: fmt.int(o.message_stats?.publish) }),
        h('dt', { text: 'Messages delivered' }), h('dd', { text: fmt.int(o.message_stats?.deliver_get) }));
    },
    dispose() {
      depth.dispose();
      rates.dispose();
    },
  };
}
