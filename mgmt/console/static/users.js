// Users and their vhost permissions (administrators only).

import { h, table, button, card, field, select } from './dom.js';
import * as api from './api.js';

const TAGS = ['administrator', 'monitoring', 'management', 'policymaker'];

export default function users(ctx) {
  const ut = table([
    { title: 'Name', cell: (u) => h('strong', { text: u.name }) },
    { title: 'Tags', cell: (u) => (u.tags ?? []).map((t) => h('span', { class: 'badge', text: t })) },
    { title: 'Password', cell: (u) => (u.password_hash ? 'set' : h('em', { text: 'none' })) },
    { title: '', cell: (u) => (u.name === ctx.user.name ? h('span', { class: 'muted', text: 'you' }) :
      button('Delete', () => del(`/users/${api.enc(u.name)}`, `user ${u.name}`), { kind: 'danger small' })) },
  ], { empty: 'No users.', key: (u) => u.name });
  const pt = table([
    { title: 'User', cell: (p) => p.user },
    { title: 'Virtual host', cell: (p) => p.vhost, show: () => ctx.vhost === null },
    { title: 'Configure', cell: (p) => h('code', { text: p.configure }) },
    { title: 'Write', cell: (p) => h('code', { text: p.write }) },
    { title: 'Read', cell: (p) => h('code', { text: p.read }) },
    { title: '', cell: (p) => button('Clear', () => del(`/permissions/${api.enc(p.vhost)}/${api.enc(p.user)}`, `permissions of ${p.user} on ${p.vhost}`), { kind: 'danger small' }) },
  ], { empty: 'No permissions.', key: (p) => `${p.vhost}/${p.user}` });

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

  const userList = h('datalist', { id: 'user-names' });
  const el = h('div', {},
    h('section', { class: 'card flush' }, ut.el),
    addUserForm(ctx),
    card('Permissions', pt.el),
    permissionForm(ctx),
    userList);
  return {
    el,
    async refresh() {
      const [us, ps] = await Promise.all([api.get('/users'), api.get('/permissions')]);
      us.sort((a, b) => a.name.localeCompare(b.name));
      ps.sort((a, b) => a.user.localeCompare(b.user) || a.vhost.localeCompare(b.vhost));
      ut.update(us);
      pt.update(ctx.vhost === null ? ps : ps.filter((p) => p.vhost === ctx.vhost));
      userList.replaceChildren(...us.map((u) => h('option', { value: u.name })));
    },
  };
}

function addUserForm(ctx) {
  const name = h('input', { required: true, autocomplete: 'off' });
  const pass = h('input', { type: 'password', autocomplete: 'new-password' });
  const tags = h('div', { class: 'checks' }, TAGS.map((t) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: t }), ` ${t}`)));
  const form = h('form', { class: 'form-grid' },
    field('Username', name), field('Password', pass, 'Empty keeps an existing user’s password.'),
    h('div', { class: 'field span2' }, h('span', { class: 'label', text: 'Tags' }), tags),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn primary', text: 'Add or update user' })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { tags: [...tags.querySelectorAll('input:checked')].map((c) => c.value).join(',') };
    if (pass.value) body.password = pass.value;
    try {
      await api.call('PUT', `/users/${api.enc(name.value)}`, body);
      ctx.notify(`User ${name.value} saved.`);
      name.value = '';
      pass.value = '';
      ctx.refreshNow();
    } catch (e) {
      ctx.notify(`Could not save user ${name.value}: ${e.message}`, 'error');
    }
  });
  return card('Add a user', form);
}

function permissionForm(ctx) {
  const user = h('input', { required: true, list: 'user-names', autocomplete: 'off' });
  const vhost = select(ctx.vhosts, ctx.vhost ?? '/');
  const conf = h('input', { value: '.*', autocomplete: 'off' });
  const write = h('input', { value: '.*', autocomplete: 'off' });
  const read = h('input', { value: '.*', autocomplete: 'off' });
  const form = h('form', { class: 'form-grid' },
    field('User', user), field('Virtual host', vhost),
    field('Configure regexp', conf), field('Write regexp', write), field('Read regexp', read),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn primary', text: 'Set permission' })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api.call('PUT', `/permissions/${api.enc(vhost.value)}/${api.enc(user.value)}`,
        { configure: conf.value, write: write.value, read: read.value });
      ctx.notify(`Permissions of ${user.value} on ${vhost.value} set.`);
      ctx.refreshNow();
    } catch (e) {
      ctx.notify(`Could not set permissions: ${e.message}`, 'error');
    }
  });
  return card('Set permissions', form);
}
