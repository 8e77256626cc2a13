// A time-series line chart drawn on <canvas>: a fixed time window sliding
// left, one line per series, a y axis with round ticks, and an HTML legend
// showing each series' latest value.

import { h } from './dom.js';

// The x axis spans the history collected so far, between MIN_SPAN_MS and
// WINDOW_MS, so a freshly opened console shows full-width lines rather
// than a sliver at the right edge.
const WINDOW_MS = 5 * 60 * 1000;
const MIN_SPAN_MS = 10 * 1000;
const MAX_POINTS = 600;
const TIME_STEPS = [2, 5, 10, 15, 30, 60, 120, 300].map((s) => s * 1000);

// niceStep answers a round tick step (1, 2, 5 × 10^n) that splits max
// into about n intervals.
function niceStep(max, n) {
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

function tickLabel(v) {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

export class LineChart {
  // series: [{label, color}]; unit is appended to legend values ("/s").
  constructor(title, series, { unit = '', history } = {}) {
    this.series = series;
    this.unit = unit;
    // history may be shared with a sampler that outlives the page, so the
    // chart starts with what was already collected.
    this.points = history ?? [];
    this.canvas = h('canvas', { role: 'img', 'aria-label': title });
    this.legend = h('ul', { class: 'legend' });
    this.el = h('figure', { class: 'chart' },
      h('figcaption', { text: title }),
      h('div', { class: 'chart-body' }, this.canvas),
      this.legend);
    this.resize = new ResizeObserver(() => this.draw());
    this.resize.observe(this.canvas);
    this.draw();
  }

  // push adds a sample: t in ms, values in series order (null = gap).
  push(t, values) {
    this.points.push({ t, v: values });
    trim(this.points, t);
    this.draw();
  }

  dispose() {
    this.resize.disconnect();
  }

  draw() {
    const c = this.canvas;
    const cssW = c.clientWidth;
    const cssH = c.clientHeight;
    this.drawLegend();
    if (!cssW || !cssH) return;
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(cssW * dpr) || c.height !== Math.round(cssH * dpr)) {
      c.width = Math.round(cssW * dpr);
      c.height = Math.round(cssH * dpr);
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cssW, cssH);
    const style = getComputedStyle(c);
    const grid = style.getPropertyValue('--grid').trim() || '#e5e7eb';
    const ink = style.getPropertyValue('--ink-muted').trim() || '#6b7280';

    const pad = { l: 44, r: 10, t: 8, b: 22 };
    const w = cssW - pad.l - pad.r;
    const hgt = cssH - pad.t - pad.b;
    const now = this.points.length ? this.points[this.points.length - 1].t : Date.now();
    const first = this.points.length ? this.points[0].t : now;
    const span = Math.min(WINDOW_MS, Math.max(MIN_SPAN_MS, now - first));
    const t0 = now - span;
    let max = 0;
    for (const p of this.points) for (const v of p.v) if (v !== null && v > max) max = v;
    const step = niceStep(max > 0 ? max : 1, 4);
    const top = Math.max(step, Math.ceil(max / step) * step);
    const x = (t) => pad.l + ((t - t0) / span) * w;
    const y = (v) => pad.t + hgt - (v / top) * hgt;

    g.font = '11px system-ui, sans-serif';
    g.lineWidth = 1;
    g.textBaseline = 'middle';
    g.textAlign = 'right';
    for (let v = 0; v <= top + step / 2; v += step) {
      const yy = Math.round(y(v)) + 0.5;
      g.strokeStyle = grid;
      g.beginPath();
      g.moveTo(pad.l, yy);
      g.lineTo(pad.l + w, yy);
      g.stroke();
      g.fillStyle = ink;
      g.fillText(tickLabel(v), pad.l - 6, yy);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const tstep = TIME_STEPS.find((d) => span / d <= 6) ?? TIME_STEPS[TIME_STEPS.length - 1];
    for (let ago = 0; ago <= span; ago += tstep) {
      const xx = x(now - ago);
      g.textAlign = ago === 0 ? 'right' : 'center';
      if (ago > 0 && xx < pad.l + 16) break;
      g.fillText(ago === 0 ? 'now' : ago < 60000 ? `-${ago / 1000} s` : `-${ago / 60000} min`, xx, pad.t + hgt + 6);
    }

    g.save();
    g.beginPath();
    g.rect(pad.l, pad.t - 2, w, hgt + 4);
    g.clip();
    this.series.forEach((s, i) => {
      const pts = this.points.filter((p) => p.v[i] !== null && p.v[i] !== undefined);
      if (pts.length === 0) return;
      if (pts.length === 1) {
        // One sample makes no line yet; show it as a dot.
        g.fillStyle = s.color;
        g.beginPath();
        g.arc(x(pts[0].t), y(pts[0].v[i]), 3, 0, 2 * Math.PI);
        g.fill();
        return;
      }
      g.strokeStyle = s.color;
      g.lineWidth = 2;
      g.lineJoin = 'round';
      g.beginPath();
      pts.forEach((p, j) => (j === 0 ? g.moveTo(x(p.t), y(p.v[i])) : g.lineTo(x(p.t), y(p.v[i]))));
      g.stroke();
      // A light fill under each line keeps overlapping series readable.
      g.lineTo(x(pts[pts.length - 1].t), y(0));
      g.lineTo(x(pts[0].t), y(0));
      g.closePath();
      g.globalAlpha = 0.08;
      g.fillStyle = s.color;
      g.fill();
      g.globalAlpha = 1;
    });
    g.restore();
  }

  drawLegend() {
    const last = this.points[this.points.length - 1];
    this.legend.replaceChildren(...this.series.map((s, i) => {
      const v = last?.v[i];
      const sw = h('span', { class: 'swatch' });
      sw.style.background = s.color;
      return h('li', {}, sw, h('span', { text: s.label }),
        h('strong', { text: v === null || v === undefined ? '–' : `${tickLabel(v)}${this.unit}` }));
    }));
  }
}

// trim drops samples older than the window, and the oldest beyond a
// bound so a fast refresh cannot grow the history without limit.
export function trim(points, now) {
  while (points.length && (points[0].t < now - WINDOW_MS - 60000 || points.length > MAX_POINTS)) points.shift();
}
