// Queue list: depth, rates and consumers per queue, purge and delete
// buttons, and a form to declare a queue.

import { h, table, button, card, field, select } from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';

export function featureBadges(o) {
  return fmt.features(o).map(([short, long]) => h('span', { class: 'badge', title: long, text: short }));
}

export function queueHash(q) {
  return `#/queues/${api.enc(q.vhost)}/${api.enc(q.name)}`;
}

// purgeQueue and deleteQueue ask first: both lose messages for good.
export async function purgeQueue(ctx, q) {
  if (!confirm(`Purge all ${q.messages_ready ?? ''} ready messages of queue ${q.name}?`)) return false;
  try {
    await api.call('DELETE', `/queues/${api.enc(q.vhost)}/${api.enc(q.name)}/contents`);
    ctx.notify(`Queue ${q.name} purged.`);
    return true;
  } catch (e) {
    ctx.notify(`Could not purge ${q.name}: ${e.message}`, 'error');
    return false;
  }
}

export async function deleteQueue(ctx, q) {
  if (!confirm(`Delete queue ${q.name} and its ${q.messages ?? 0} messages?`)) return false;
  try {
    await api.call('DELETE', `/queues/${api.enc(q.vhost)}/${api.enc(q.name)}`);
    ctx.notify(`Queue ${q.name} deleted.`);
    return true;
  } catch (e) {
    ctx.notify(`Could not delete ${q.name}: ${e.message}`, 'error');
    return false;
  }
}

export default function queues(ctx) {
  const allVHosts = () => ctx.vhost === null;
  const t = table([
    { title: 'Virtual host', cell: (q) => q.vhost, show: allVHosts },
    { title: 'Name', cell: (q) => h('a', { href: queueHash(q), text: q.name }) },
    { title: 'Features', cell: featureBadges },
    { title: 'State', cell: (q) => h('span', { class: `state ${q.state}`, text: q.state }) },
    { title: 'Ready', cell: (q) => fmt.int(q.messages_ready), num: true },
    { title: 'Unacked', cell: (q) => fmt.int(q.messages_unacknowledged), num: true },
    { title: 'Total', cell: (q) => fmt.int(q.messages), num: true },
    { title: 'Incoming', cell: (q) => fmt.rate(q.message_stats?.publish_details), num: true },
    { title: 'Deliver / get', cell: (q) => fmt.rate(q.message_stats?.deliver_get_details), num: true },
    { title: 'Ack', cell: (q) => fmt.rate(q.message_stats?.ack_details), num: true },
    { title: 'Consumers', cell: (q) => fmt.int(q.consumers), num: true },
    { title: '', cell: (q) => (ctx.readOnly ? '' : h('div', { class: 'actions' },
      button('Purge', async () => { if (await purgeQueue(ctx, q)) ctx.refreshNow(); }, { kind: 'small' }),
      button('Delete', async () => { if (await deleteQueue(ctx, q)) ctx.refreshNow(); }, { kind: 'danger small' }))) },
  ], { empty: 'No queues.', key: (q) => `${q.vhost}/${q.name}` });

  const filter = h('input', { type: 'search', placeholder: 'Filter by name', 'aria-label': 'Filter queues' });
  let last = [];
  const show = () => {
    const f = filter.value.trim().toLowerCase();
    t.update(f ? last.filter((q) => q.name.toLowerCase().includes(f)) : last);
  };
  filter.addEventListener('input', show);

  const el = h('div', {},
    h('div', { class: 'toolbar' }, filter),
    h('section', { class: 'card flush' }, t.el),
    ctx.readOnly ? null : addQueueForm(ctx));
  return {
    el,
    async refresh() {
      last = await api.get(`/queues${api.vpath(ctx.vhost)}`);
      last.sort((a, b) => a.vhost.localeCompare(b.vhost) || a.name.localeCompare(b.name));
      show();
    },
  };
}

function addQueueForm(ctx) {
  const vhost = select(ctx.vhosts, ctx.vhost ?? '/');
  const name = h('input', { required: true, autocomplete: 'off' });
  const durable = select([['true', 'Durable'], ['false', 'Transient']], 'true');
  const autoDelete = select([['false', 'No'], ['true', 'Yes']], 'false');
  const args = h('input', { placeholder: '{"x-max-length": 1000}', autocomplete: 'off' });
  const form = h('form', { class: 'form-grid' },
    field('Virtual host', vhost), field('Name', name), field('Durability', durable),
    field('Auto delete', autoDelete), field('Arguments (JSON)', args),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn primary', text: 'Add queue' })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let argv = {};
    try {
      argv = args.value.trim() ? JSON.parse(args.value) : {};
    } catch (e) {
      ctx.notify(`Arguments are not JSON: ${e.message}`, 'error');
      return;
    }
    try {
      await api.call('PUT', `/queues/${api.enc(vhost.value)}/${api.enc(name.value)}`,
        { durable: durable.value === 'true', auto_delete: autoDelete.value === 'true', arguments: argv });
      ctx.notify(`Queue ${name.value} declared.`);
      name.value = '';
      ctx.refreshNow();
    } catch (e) {
      ctx.notify(`Could not declare ${name.value}: ${e.message}`, 'error');
    }
  });
  return card('Add a queue', form);
}
