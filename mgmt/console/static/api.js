// Client of the management API. Credentials live in sessionStorage (gone
// when the tab closes, as in RabbitMQ's UI) and go with every request as
// HTTP basic auth; the API keeps no session.

const KEY = 'junction.credentials';

export class ApiError extends Error {
  constructor(status, reason) {
    super(reason || `HTTP ${status}`);
    this.status = status;
  }
}

export function credentials() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    return null;
  }
}

export function saveCredentials(user, password) {
  sessionStorage.setItem(KEY, JSON.stringify({ user, password }));
}

export function clearCredentials() {
  sessionStorage.removeItem(KEY);
}

// btoa only takes Latin-1; user names and passwords may be any UTF-8.
function basic(user, password) {
  const raw = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...raw))}`;
}

let loggedOut = () => {};

// onLoggedOut sets what happens when the API no longer accepts the
// credentials (wrong password, user deleted).
export function onLoggedOut(fn) {
  loggedOut = fn;
}

// enc escapes one path segment; the default vhost "/" becomes %2F.
export const enc = encodeURIComponent;

// call sends a request to /api<path> and answers the decoded JSON (null
// for an empty reply). Failures throw ApiError with the API's reason.
export async function call(method, path, body, headers = {}) {
  const c = credentials();
  const h = { Accept: 'application/json', ...headers };
  if (c) h.Authorization = basic(c.user, c.password);
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    // credentials "omit": a 401 must come back to this code rather than
    // make the browser show its own basic-auth dialog.
    res = await fetch(`api${path}`, {
      method, headers: h, credentials: 'omit', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, `Broker unreachable (${e.message})`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data?.reason || data?.error || res.statusText);
    // 401 also means "not allowed to do this"; only a failing whoami says
    // the credentials themselves are no longer good.
    if (res.status === 401 && path !== '/whoami') {
      whoami().catch(() => {});
    } else if (res.status === 401) {
      loggedOut(err);
    }
    throw err;
  }
  return data;
}

export const get = (path) => call('GET', path);
export const whoami = () => get('/whoami');

// vpath is the vhost segment of list endpoints: "" for all vhosts.
export function vpath(vhost) {
  return vhost === null || vhost === undefined ? '' : `/${enc(vhost)}`;
}
