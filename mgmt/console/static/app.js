// Entry point: login, the page shell (navigation, vhost filter, refresh
// interval), the hash router, and the polling loop that refreshes the
// current page and feeds the overview charts.

import * as api from './api.js';
import { h, replace, field, select } from './dom.js';
import { trim } from './chart.js';
import overview from './overview.js';
import connections from './connections.js';
import queues from './queues.js';
import queue from './queue.js';
import exchanges from './exchanges.js';
import subscriptions from './subscriptions.js';
import users from './users.js';

const root = document.getElementById('app');

const pages = [
  { path: 'overview', title: 'Overview', view: overview },
  { path: 'connections', title: 'Connections', view: connections },
  { path: 'queues', title: 'Queues', view: queues },
  { path: 'exchanges', title: 'Exchanges', view: exchanges },
  { path: 'subscriptions', title: 'Durable subscriptions', view: subscriptions },
  { path: 'users', title: 'Users', view: users, admin: true },
];

const REFRESH_KEY = 'junction.refresh';
const VHOST_KEY = 'junction.vhost';

// ctx is what pages share: who is logged in, the vhost filter, the latest
// overview and its chart history, and notifications.
const ctx = {
  user: null,
  isAdmin: false,
  readOnly: false,
  vhost: null,
  vhosts: [],
  overview: null,
  history: { depth: [], rates: [] },
  notify,
  navigate: (hash) => { location.hash = hash; },
  refreshNow: () => tick(),
};

let current = null; // {page, view}
let timer = 0;
let lastSample = null;
let shell = null;

function notify(message, kind = 'ok') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const t = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status', text: message });
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

function refreshSeconds() {
  const v = Number(localStorage.getItem(REFRESH_KEY));
  return [1, 5, 10, 30, 0].includes(v) && localStorage.getItem(REFRESH_KEY) !== null ? v : 5;
}

// --- login -----------------------------------------------------------------

function showLogin(message) {
  clearTimeout(timer);
  current?.view.dispose?.();
  current = null;
  shell = null;
  const user = h('input', { name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', role: 'alert' });
  if (message) error.textContent = message;
  const form = h('form', { class: 'login card' },
    h('div', { class: 'brand big' }, h('img', { src: 'console/logo.svg', alt: '' }), h('span', { text: 'Junction' })),
    h('p', { class: 'muted', text: 'Sign in with a broker user tagged administrator, monitoring or management.' }),
    field('Username', user),
    field('Password', pass),
    error,
    h('button', { type: 'submit', class: 'btn primary wide', text: 'Log in' }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    api.saveCredentials(user.value, pass.value);
    try {
      await start();
    } catch (e) {
      api.clearCredentials();
      error.textContent = e.status === 401 ? `Login failed: ${e.message}` : e.message;
      pass.select();
    }
  });
  replace(root, h('main', { class: 'login-page' }, form));
  user.focus();
}

function logout() {
  api.clearCredentials();
  showLogin();
}

api.onLoggedOut((e) => {
  if (shell) {
    api.clearCredentials();
    showLogin(`Logged out: ${e.message}`);
  }
});

// start checks the stored credentials and builds the shell.
async function start() {
  const me = await api.whoami();
  ctx.user = me;
  ctx.isAdmin = me.tags.includes('administrator');
  ctx.readOnly = !ctx.isAdmin && !me.tags.includes('management') && !me.tags.includes('policymaker');
  const saved = sessionStorage.getItem(VHOST_KEY);
  ctx.vhost = saved === null ? null : saved;
  ctx.history = { depth: [], rates: [] };
  lastSample = null;
  buildShell();
  await loadVHosts();
  route();
}

async function loadVHosts() {
  try {
    ctx.vhosts = (await api.get('/vhosts')).map((v) => v.name).sort();
  } catch {
    ctx.vhosts = ['/'];
  }
  if (ctx.vhost !== null && !ctx.vhosts.includes(ctx.vhost)) ctx.vhost = null;
  const sel = document.getElementById('vhost-filter');
  if (!sel) return;
  replace(sel, h('option', { value: '', text: 'All' }), ctx.vhosts.map((v) => h('option', { value: `=${v}`, text: v })));
  sel.value = ctx.vhost === null ? '' : `=${ctx.vhost}`;
}

// --- shell -----------------------------------------------------------------

function buildShell() {
  const nav = h('nav', { class: 'tabs', 'aria-label': 'Sections' },
    pages.filter((p) => !p.admin || ctx.isAdmin).map((p) => h('a', { href: `#/${p.path}`, 'data-page': p.path, text: p.title })));
  const vhostSel = h('select', { id: 'vhost-filter', 'aria-label': 'Virtual host' });
  vhostSel.addEventListener('change', () => {
    ctx.vhost = vhostSel.value === '' ? null : vhostSel.value.slice(1);
    if (ctx.vhost === null) sessionStorage.removeItem(VHOST_KEY);
    else sessionStorage.setItem(VHOST_KEY, ctx.vhost);
    route();
  });
  const refreshSel = select([['1', 'every 1 s'], ['5', 'every 5 s'], ['10', 'every 10 s'], ['30', 'every 30 s'], ['0', 'paused']], String(refreshSeconds()));
  refreshSel.setAttribute('aria-label', 'Refresh');
  refreshSel.id = 'refresh';
  refreshSel.addEventListener('change', () => {
    localStorage.setItem(REFRESH_KEY, refreshSel.value);
    schedule();
  });
  const version = h('span', { class: 'version' });
  shell = {
    nav,
    version,
    title: h('h1'),
    body: h('div', { class: 'page' }),
    banner: h('div', { class: 'banner', hidden: true, role: 'alert' }),
  };
  replace(root,
    h('header', { class: 'top' },
      h('a', { class: 'brand', href: '#/overview' }, h('img', { src: 'console/logo.svg', alt: '' }), h('span', { text: 'Junction' }), version),
      nav,
      h('div', { class: 'controls' },
        h('label', { class: 'inline' }, h('span', { text: 'Virtual host' }), vhostSel),
        h('label', { class: 'inline' }, h('span', { text: 'Refresh' }), refreshSel),
        h('span', { class: 'who', title: ctx.user.tags.join(', ') || 'no tags' }, ctx.user.name),
        h('button', { type: 'button', class: 'btn ghost', onclick: logout, text: 'Log out' }))),
    h('main', { class: 'content' }, shell.banner, shell.title, shell.body),
    h('div', { id: 'toasts', class: 'toasts' }));
}

// --- routing ---------------------------------------------------------------

function parseHash() {
  const segs = location.hash.replace(/^#\/?/, '').split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return segs;
}

function route() {
  if (!shell) return;
  const segs = parseHash();
  let page = pages.find((p) => p.path === segs[0]) ?? pages[0];
  let view;
  if (page.admin && !ctx.isAdmin) page = pages[0];
  current?.view.dispose?.();
  if (page.path === 'queues' && segs.length === 3) {
    view = queue(ctx, { vhost: segs[1], name: segs[2] });
    shell.title.textContent = `Queue ${segs[2]}`;
  } else {
    view = page.view(ctx);
    shell.title.textContent = page.title;
  }
  for (const a of shell.nav.children) a.classList.toggle('active', a.dataset.page === page.path);
  document.title = `${shell.title.textContent} · Junction`;
  current = { page, view };
  replace(shell.body, view.el);
  tick();
}

window.addEventListener('hashchange', route);

// --- polling ---------------------------------------------------------------

function schedule() {
  clearTimeout(timer);
  const s = refreshSeconds();
  if (s > 0) timer = setTimeout(tick, s * 1000);
}

// Refreshes right after a click come close together; a rate over a few
// hundred milliseconds is mostly noise, so such samples extend the next
// interval instead.
const MIN_RATE_MS = 900;

// sample fetches /api/overview and turns its cumulative counters into
// per-second rates between two samples, so the charts move at any refresh
// interval (the API's own rates change only every 5 s).
async function sample() {
  const o = await api.get('/overview');
  ctx.overview = o;
  shell.version.textContent = o.product_version ? `v${o.product_version}` : '';
  const now = Date.now();
  const qt = o.queue_totals ?? {};
  const ms = o.message_stats ?? {};
  ctx.history.depth.push({ t: now, v: [qt.messages_ready ?? 0, qt.messages_unacknowledged ?? 0] });
  const counts = [ms.publish ?? 0, ms.deliver_get ?? 0, ms.ack ?? 0, ms.redeliver ?? 0];
  if (!lastSample) {
    lastSample = { t: now, c: counts };
  } else if (now - lastSample.t >= MIN_RATE_MS) {
    const dt = (now - lastSample.t) / 1000;
    // A deleted queue takes its counters with it: clamp instead of
    // plotting a negative rate.
    ctx.history.rates.push({ t: now, v: counts.map((c, i) => Math.max(0, c - lastSample.c[i]) / dt) });
    lastSample = { t: now, c: counts };
  }
  trim(ctx.history.depth, now);
  trim(ctx.history.rates, now);
}

let ticking = false;
let again = false;

// tick refreshes once at a time; a request for a refresh while one runs
// (a navigation, a button) is remembered and served right after it.
async function tick() {
  if (!shell) return;
  if (ticking) {
    again = true;
    return;
  }
  ticking = true;
  again = false;
  clearTimeout(timer);
  const view = current?.view;
  try {
    await sample();
    if (view && current?.view === view) await view.refresh();
    shell.banner.hidden = true;
  } catch (e) {
    if (shell) {
      shell.banner.textContent = `Could not refresh: ${e.message}`;
      shell.banner.hidden = false;
    }
  } finally {
    ticking = false;
    if (shell && again) tick();
    else if (shell) schedule();
  }
}

// --- boot ------------------------------------------------------------------

if (api.credentials()) {
  start().catch((e) => {
    api.clearCredentials();
    showLogin(e.status === 401 ? '' : e.message);
  });
} else {
  showLogin();
}
