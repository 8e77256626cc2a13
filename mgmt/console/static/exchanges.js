// Exchanges and bindings: lists, declare and delete forms.

import { h, table, button, card, field, select } from './dom.js';
import * as api from './api.js';
import { featureBadges } from './queues.js';

// exchangeSeg addresses the default exchange (listed as "") the way the
// API expects it.
const exchangeSeg = (name) => api.enc(name === '' ? 'amq.default' : name);

export default function exchanges(ctx) {
  const allVHosts = () => ctx.vhost === null;
  const ex = table([
    { title: 'Virtual host', cell: (e) => e.vhost, show: allVHosts },
    { title: 'Name', cell: (e) => (e.name === '' ? h('em', { text: '(AMQP default)' }) : e.name) },
    { title: 'Type', cell: (e) => e.type },
    { title: 'Features', cell: featureBadges },
    { title: '', cell: (e) => (ctx.readOnly || e.name === '' || e.name.startsWith('amq.') ? '' :
      button('Delete', () => del(`/exchanges/${api.enc(e.vhost)}/${exchangeSeg(e.name)}`, `exchange ${e.name}`), { kind: 'danger small' })) },
  ], { empty: 'No exchanges.' });

  const bs = table([
    { title: 'Virtual host', cell: (b) => b.vhost, show: allVHosts },
    { title: 'Source', cell: (b) => b.source || h('em', { text: '(default)' }) },
    { title: 'Destination', cell: (b) => h('span', {}, h('span', { class: 'badge', text: b.destination_type === 'queue' ? 'queue' : 'exchange' }), ` ${b.destination}`) },
    { title: 'Routing key', cell: (b) => h('code', { text: b.routing_key }) },
    { title: 'Arguments', cell: (b) => (Object.keys(b.arguments ?? {}).length ? JSON.stringify(b.arguments) : '') },
    { title: '', cell: (b) => (ctx.readOnly || b.source === '' ? '' : button('Unbind', () => del(
      `/bindings/${api.enc(b.vhost)}/e/${api.enc(b.source)}/${b.destination_type === 'queue' ? 'q' : 'e'}/${api.enc(b.destination)}/${api.enc(b.properties_key)}`,
      `binding ${b.source} → ${b.destination} (${b.routing_key})`), { kind: 'danger small' })) },
  ], { empty: 'No bindings.' });

  const hideDefault = h('input', { type: 'checkbox', checked: true });
  hideDefault.addEventListener('change', () => ctx.refreshNow());

  async function del(path, what) {
    if (!confirm(`Delete ${what}?`)) return;
    try {
      await api.call('DELETE', path);
      ctx.notify(`Deleted ${what}.`);
      ctx.refreshNow();
    } catch (e) {
      ctx.notify(`Could not delete ${what}: ${e.message}`, 'error');
    }
  }

  const el = h('div', {},
    h('section', { class: 'card flush' }, ex.el),
    ctx.readOnly ? null : addExchangeForm(ctx),
    card('Bindings',
      h('label', { class: 'check' }, hideDefault, ' Hide the default exchange’s implicit bindings'),
      bs.el),
    ctx.readOnly ? null : addBindingForm(ctx));
  return {
    el,
    async refresh() {
      const [es, bl] = await Promise.all([api.get(`/exchanges${api.vpath(ctx.vhost)}`), api.get(`/bindings${api.vpath(ctx.vhost)}`)]);
      es.sort((a, b) => a.vhost.localeCompare(b.vhost) || a.name.localeCompare(b.name));
      ex.update(es);
      bs.update(hideDefault.checked ? bl.filter((b) => b.source !== '') : bl);
    },
  };
}

function addExchangeForm(ctx) {
  const vhost = select(ctx.vhosts, ctx.vhost ?? '/');
  const name = h('input', { required: true, autocomplete: 'off' });
  const type = select(['direct', 'fanout', 'topic', 'headers'], 'direct');
  const durable = select([['true', 'Durable'], ['false', 'Transient']], 'true');
  const form = h('form', { class: 'form-grid' },
    field('Virtual host', vhost), field('Name', name), field('Type', type), field('Durability', durable),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn primary', text: 'Add exchange' })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api.call('PUT', `/exchanges/${api.enc(vhost.value)}/${api.enc(name.value)}`, { type: type.value, durable: durable.value === 'true' });
      ctx.notify(`Exchange ${name.value} declared.`);
      name.value = '';
      ctx.refreshNow();
    } catch (e) {
      ctx.notify(`Could not declare ${name.value}: ${e.message}`, 'error');
    }
  });
  return card('Add an exchange', form);
}

function addBindingForm(ctx) {
  const vhost = select(ctx.vhosts, ctx.vhost ?? '/');
  const source = h('input', { required: true, autocomplete: 'off' });
  const kind = select([['q', 'Queue'], ['e', 'Exchange']], 'q');
  const dest = h('input', { required: true, autocomplete: 'off' });
  const key = h('input', { autocomplete: 'off' });
  const args = h('input', { placeholder: '{"x-match": "all"}', autocomplete: 'off' });
  const form = h('form', { class: 'form-grid' },
    field('Virtual host', vhost), field('From exchange', source), field('To', kind), field('Destination', dest),
    field('Routing key', key), field('Arguments (JSON)', args),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn primary', text: 'Bind' })));
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
      await api.call('POST', `/bindings/${api.enc(vhost.value)}/e/${api.enc(source.value)}/${kind.value}/${api.enc(dest.value)}`,
        { routing_key: key.value, arguments: argv });
      ctx.notify(`Bound ${dest.value} to ${source.value}.`);
      ctx.refreshNow();
    } catch (e) {
      ctx.notify(`Could not bind: ${e.message}`, 'error');
    }
  });
  return card('Add a binding', form);
}
