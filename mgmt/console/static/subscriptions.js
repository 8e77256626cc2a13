// JMS (and STOMP) durable topic subscriptions.

import { h, table } from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';

export default function subscriptions(ctx) {
  const t = table([
    { title: 'Virtual host', cell: (s) => s.vhost, show: () => ctx.vhost === null },
    { title: 'Client ID', cell: (s) => h('code', { text: s.client_id }) },
    { title: 'Subscription', cell: (s) => s.subscription_name },
    { title: 'Topic', cell: (s) => s.topic },
    { title: 'Selector', cell: (s) => (s.selector ? h('code', { text: s.selector }) : '') },
    { title: 'No local', cell: (s) => (s.no_local ? 'yes' : '') },
    { title: 'Pending', cell: (s) => fmt.int(s.pending_messages), num: true },
    { title: 'Consumers', cell: (s) => fmt.int(s.consumers), num: true },
    { title: 'State', cell: (s) => h('span', { class: `state ${s.active ? 'running' : 'idle'}`, text: s.active ? 'active' : 'offline' }) },
    { title: 'Queue', cell: (s) => h('a', { href: `#/queues/${api.enc(s.vhost)}/${api.enc(s.queue)}`, text: s.queue }) },
  ], { empty: 'No durable subscriptions.', key: (s) => `subscription:${s.vhost}/${s.client_id}/${s.subscription_name}` });
  return {
    el: h('div', {},
      h('section', { class: 'card flush' }, t.el),
      h('p', { class: 'muted', text: 'Subscriptions are removed by their clients (JMS unsubscribe, or STOMP UNSUBSCRIBE with activemq.subscriptionName); deleting the queue also drops one.' })),
    async refresh() {
      const list = await api.get(`/jms/durable-subscriptions${api.vpath(ctx.vhost)}`);
      list.sort((a, b) => a.client_id.localeCompare(b.client_id) || a.subscription_name.localeCompare(b.subscription_name));
      t.update(list);
    },
  };
}
