// Small DOM helpers: the console builds its pages with h() rather than
// innerHTML, so broker-supplied names and payloads are always text, never
// markup.

// h creates an element. attrs: "class", "text", "on<event>" handlers,
// boolean or string attributes; children: nodes, strings, or arrays of
// them (null and false are skipped, so conditionals read naturally).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// clear removes every child of el and appends the given ones.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

let nextId = 0;

// field is a labelled form control; the label's for/id pair lets tests and
// screen readers find the control by its label text.
export function field(label, control, hint) {
  const id = control.id || `f${++nextId}`;
  control.id = id;
  return h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    control,
    hint ? h('small', { class: 'hint', text: hint }) : null);
}

// table builds a table and returns it with update(), which replaces the
// rows. Each column is {title, cell(row), num, show()}: cell returns a
// node or text; num right-aligns figures; show, if given, is asked on
// every update whether the column is wanted (the vhost column is not
// while one vhost is selected).
export function table(columns, { empty = 'Nothing here yet.', key } = {}) {
  const head = h('thead');
  const body = h('tbody');
  const wrap = h('div', { class: 'table-wrap' }, h('table', { class: 'grid' }, head, body));
  return {
    el: wrap,
    update(rows) {
      const cols = columns.filter((c) => !c.show || c.show());
      replace(head, h('tr', {}, cols.map((c) => h('th', { class: c.num ? 'num' : null, text: c.title }))));
      if (rows.length === 0) {
        replace(body, h('tr', {}, h('td', { class: 'empty', colspan: cols.length, text: empty })));
        return;
      }
      replace(body, rows.map((r) => h('tr', { 'data-key': key ? key(r) : null },
        cols.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(r))))));
    },
  };
}

// card is a titled panel.
export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', { text: title }) : null, children);
}

// button makes a button that disables itself while its async action runs,
// so a double click does not send a request twice.
export function button(label, action, { kind = '', title } = {}) {
  const b = h('button', { type: 'button', class: `btn ${kind}`.trim(), title, text: label });
  b.addEventListener('click', async (ev) => {
    ev.preventDefault();
    b.disabled = true;
    try {
      await action();
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

// select builds a <select> from [value, label] pairs or plain strings.
export function select(options, value) {
  const s = h('select', {}, options.map((o) => {
    const [v, l] = Array.isArray(o) ? o : [o, o];
    return h('option', { value: v, text: l });
  }));
  if (value !== undefined) s.value = value;
  return s;
}
