// Formatting of figures for tables and tiles.

const intFmt = new Intl.NumberFormat('en-US');
const rateFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function int(n) {
  return intFmt.format(n ?? 0);
}

// rate formats a per-second rate from a RabbitMQ "*_details" object.
export function rate(details) {
  const r = details?.rate ?? 0;
  return `${rateFmt.format(r)}/s`;
}

export function bytes(n) {
  n = n ?? 0;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

// since formats a millisecond timestamp as a short age ("3 min").
export function since(ms) {
  if (!ms) return '';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d`;
}

// Short badges for well-known arguments, RabbitMQ's UI abbreviations.
const ARG_BADGES = {
  'x-dead-letter-exchange': 'DLX',
  'x-dead-letter-routing-key': 'DLK',
  'x-message-ttl': 'TTL',
  'x-expires': 'Exp',
  'x-max-length': 'Lim',
  'x-max-length-bytes': 'Lim B',
  'x-max-priority': 'Pri',
  'x-overflow': 'Ovfl',
  'x-single-active-consumer': 'SAC',
};

// features lists a queue's or exchange's flags as [badge, tooltip] pairs;
// arguments without an abbreviation share one "Args" badge.
export function features(o) {
  const out = [];
  if (o.durable) out.push(['D', 'durable']);
  if (o.auto_delete) out.push(['AD', 'auto-delete']);
  if (o.exclusive) out.push(['Excl', 'exclusive']);
  if (o.internal) out.push(['I', 'internal']);
  const other = [];
  for (const [k, v] of Object.entries(o.arguments ?? {})) {
    const desc = `${k}: ${JSON.stringify(v)}`;
    if (ARG_BADGES[k]) out.push([ARG_BADGES[k], desc]);
    else other.push(desc);
  }
  if (other.length) out.push(['Args', other.join('\n')]);
  return out;
}
