// Connections of every protocol, with a close button.

import { h, table, button } from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';

// client names what is on the other end: the AMQP client's product and
// version, or the JMS / STOMP client ID.
function client(c) {
  const p = c.client_properties ?? {};
  const product = [p.product, p.version].filter(Boolean).join(' ');
  const id = c.user_provided_name || p.client_id || p.connection_name || '';
  return h('span', {}, id ? h('strong', { text: id }) : null, id && product ? ' · ' : '', product);
}

export default function connections(ctx) {
  const t = table([
    { title: 'Name', cell: (c) => h('code', { text: c.name }) },
    { title: 'Protocol', cell: (c) => h('span', { class: `badge proto-${c.protocol.split(' ')[0].toLowerCase()}`, text: c.protocol }) },
    { title: 'User', cell: (c) => c.user },
    { title: 'Virtual host', cell: (c) => c.vhost, show: () => ctx.vhost === null },
    { title: 'Client', cell: client },
    { title: 'Channels', cell: (c) => fmt.int(c.channels), num: true },
    { title: 'Connected', cell: (c) => fmt.since(c.connected_at), num: true },
    { title: 'State', cell: (c) => c.state },
    { title: '', cell: (c) => (ctx.readOnly ? '' : button('Close', () => close(c), { kind: 'danger small' })) },
  ], { empty: 'No connections.', key: (c) => c.name });

  async function close(c) {
    if (!confirm(`Close connection ${c.name} (${c.user}, ${c.protocol})?`)) return;
    try {
      await api.call('DELETE', `/connections/${api.enc(c.name)}`, undefined, { 'X-Reason': 'Closed from the Junction console' });
      ctx.notify(`Connection ${c.name} closed.`);
      ctx.refreshNow();
    } catch (e) {
      ctx.notify(`Could not close ${c.name}: ${e.message}`, 'error');
    }
  }

  const note = h('p', { class: 'muted', text: 'Per-connection byte rates are not reported by this broker; queue rates are under Queues.' });
  return {
    el: h('div', {}, h('section', { class: 'card flush' }, t.el), note),
    async refresh() {
      const path = ctx.vhost === null ? '/connections' : `/vhosts/${api.enc(ctx.vhost)}/connections`;
      const list = await api.get(path);
      list.sort((a, b) => a.connected_at - b.connected_at);
      t.update(list);
    },
  };
}
