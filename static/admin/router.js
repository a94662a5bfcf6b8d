/* Hash routes: #/queue?…, #/case/REF, #/merchants?…, #/merchant/ID, #/hotlines?…, and for admins #/users,
 * #/regulators, #/deliveries?status=…. Pages register what opens them; a moderator asking for
 * an admin page is sent to the queue. */
import { session, isAdmin } from './state.js';
import { closeDialogs } from './dialogs.js';

const pages = {};
const adminOnly = new Set();
let current = null;

/**
 * `open(route, focus)` shows the page `name`; `focus` says whether the heading should take the
 * focus (the page was entered, rather than its filters changed).
 */
export function register(name, open, opts) {
  pages[name] = open;
  if (opts && opts.admin) adminOnly.add(name);
}

export function parseHash() {
  const hash = location.hash.replace(/^#/, '') || '/queue';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query || '');
  const c = /^\/case\/([^/]+)$/.exec(path);
  if (c) return { name: 'case', ref: decodeURIComponent(c[1]), params };
  const m = /^\/merchant\/([^/]+)$/.exec(path);
  if (m) return { name: 'merchant', id: decodeURIComponent(m[1]), params };
  const name = path.replace(/^\//, '');
  if (['merchants', 'hotlines', 'users', 'regulators', 'deliveries'].includes(name)) return { name, params };
  return { name: 'queue', params };
}

/** Opens the page the address names. opts: {focus} (focus its heading even when it stays the same page). */
export function route(opts) {
  if (!session.user) return;
  const previous = current;
  const r = parseHash();
  current = r.name;
  const focus = !!(opts && opts.focus) || previous !== r.name;
  if (adminOnly.has(r.name) && !isAdmin()) {
    location.replace('#/queue');
    return;
  }
  pages[r.name](r, focus);
}

export function initRouter() {
  window.addEventListener('hashchange', () => {
    closeDialogs();
    route();
  });
}
