/* The case queue (#/queue?…): status tabs with counts, filters kept in the address, infinite
 * scroll, and j / k / Enter / "/" on the keyboard. Statuses and signals come from /api/v1/meta. */
import * as T from '../i18n.js';
import { $, el, clear, badge, priorityBadge, timeEl, fillSelect, notice, showView, shown, setTitle } from './dom.js';
import { api, failure } from './api.js';
import { codes, options, vocab, statusLabel, limit } from './meta.js';
import { session, staffEmail } from './state.js';

const FILTERS = ['status', 'q', 'merchant', 'category', 'platform', 'province', 'signal', 'assigned', 'created_from', 'created_to', 'sort', 'overdue'];
/** Cases per request: the server's most, or fewer. */
const PAGE_SIZE = 50;
/** The queue opens by priority: the signals are calibrated so that honest
 * reports stay low (benches/signals_eval.rs), so what ranks high is worth a
 * look first. Kept out of the address when chosen. */
const DEFAULT_SORT = 'priority';

const queue = { filters: {}, items: [], next: null, counts: null, loading: false, seq: 0, selected: -1 };
/** The case last opened: selected again when the queue comes back. */
let lastOpened = null;

export function queueHash(filters) {
  filters = filters || queue.filters || {};
  const p = new URLSearchParams();
  FILTERS.forEach((k) => { if (filters[k]) p.set(k, filters[k]); });
  const s = p.toString();
  return '#/queue' + (s ? '?' + s : '');
}

/** Where the case is in the loaded queue: {index, total}, or null. */
export function queuePosition(ref) {
  const index = queue.items.findIndex((i) => i.reference === ref);
  return index >= 0 ? { index, total: queue.items.length } : null;
}

/** The loaded case `delta` places from `ref`, or null. */
export function queueNeighbour(ref, delta) {
  const index = queue.items.findIndex((i) => i.reference === ref);
  return index >= 0 ? queue.items[index + delta] || null : null;
}

/** Updates the loaded row of a case (its status, its assignee) after a change elsewhere. */
export function updateQueueItem(ref, patch) {
  const item = queue.items.find((i) => i.reference === ref);
  if (item) Object.assign(item, patch);
}

export function setLastOpened(ref) {
  lastOpened = ref;
}

function nextDay(date) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** The filters as API parameters: dates are whole days in Beijing time, the end day included. */
function filterParams(filters) {
  const p = new URLSearchParams();
  FILTERS.forEach((k) => {
    const v = k === 'sort' ? filters[k] || DEFAULT_SORT : filters[k];
    if (!v) return;
    if (k === 'created_from' && /^\d{4}-\d{2}-\d{2}$/.test(v)) p.set(k, v + 'T00:00:00+08:00');
    else if (k === 'created_to' && /^\d{4}-\d{2}-\d{2}$/.test(v)) p.set(k, nextDay(v) + 'T00:00:00+08:00');
    else p.set(k, v);
  });
  return p;
}

function apiQuery(filters, cursor) {
  const p = filterParams(filters);
  p.set('limit', String(Math.min(PAGE_SIZE, limit('queue_page_max') || PAGE_SIZE)));
  if (cursor) p.set('cursor', cursor);
  return '/api/v1/cases?' + p.toString();
}

/** The CSV export of every case the filters select, in the queue's order. */
function exportUrl(filters) {
  return '/api/v1/cases.csv?' + filterParams(filters).toString();
}

/** The filter menus, from meta and the staff list (again after a language switch). */
export function fillQueueFilters() {
  const all = [['', T.t('admin.f.all')]];
  fillSelect($('f-category'), all.concat(options('categories')));
  fillSelect($('f-platform'), all.concat(options('platforms')));
  fillSelect($('f-province'), all.concat(options('provinces')));
  fillSelect($('f-signal'), all.concat(options('signals')));
  fillSelect($('f-assigned'), all.concat([['me', T.t('admin.f.assigned.me')], ['none', T.t('admin.f.assigned.none')]],
    session.staff.filter((s) => !session.user || s.id !== session.user.id).map((s) => [String(s.id), s.email])));
  writeFilterForm(queue.filters);
}

function writeFilterForm(filters) {
  $('f-q').value = filters.q || '';
  $('f-merchant').value = filters.merchant || '';
  $('f-category').value = filters.category || '';
  $('f-platform').value = filters.platform || '';
  $('f-province').value = filters.province || '';
  $('f-signal').value = filters.signal || '';
  $('f-assigned').value = filters.assigned || '';
  $('f-from').value = filters.created_from || '';
  $('f-to').value = filters.created_to || '';
  $('f-sort').value = filters.sort || DEFAULT_SORT;
  $('f-overdue').checked = filters.overdue === 'true';
}

function readFilterForm() {
  return {
    status: queue.filters.status || '',
    q: $('f-q').value.trim(),
    merchant: $('f-merchant').value.trim(),
    category: $('f-category').value,
    platform: $('f-platform').value,
    province: $('f-province').value,
    signal: $('f-signal').value,
    assigned: $('f-assigned').value,
    created_from: $('f-from').value,
    created_to: $('f-to').value,
    sort: $('f-sort').value === DEFAULT_SORT ? '' : $('f-sort').value,
    overdue: $('f-overdue').checked ? 'true' : ''
  };
}

function applyFilters(filters) {
  const hash = queueHash(filters);
  if (location.hash === hash) loadQueue(true);
  else location.hash = hash;
}

function renderTabs() {
  const nav = $('status-tabs');
  clear(nav);
  const counts = queue.counts || {};
  const statuses = codes('statuses');
  const total = statuses.reduce((sum, s) => sum + (counts[s] || 0), 0);
  const tabs = [['', T.t('admin.tab.all'), queue.counts ? total : null]]
    .concat(statuses.map((s) => [s, statusLabel(s), queue.counts ? counts[s] || 0 : null]));
  tabs.forEach(([status, label, count]) => {
    const current = (queue.filters.status || '') === status;
    nav.appendChild(el('a', {
      href: queueHash(Object.assign({}, queue.filters, { status })),
      className: 'tab' + (current ? ' current' : ''),
      'aria-current': current ? 'page' : null,
      'data-status': status || 'all'
    }, [
      el('span', { text: label }),
      count === null ? null : el('span', { className: 'count', text: String(count) })
    ]));
  });
}

/** A deadline as a short label: its last day, marked when it has passed. */
export function deadlineNode(deadline) {
  if (!deadline) return document.createTextNode('—');
  return el('span', {
    className: 'deadline' + (deadline.overdue ? ' overdue' : ''),
    title: T.label(deadline.kind_label),
    'data-overdue': deadline.overdue ? 'true' : 'false'
  }, [deadline.last_day, deadline.overdue ? ' ' + T.t('admin.due.overdue') : '']);
}

function queueRow(item, index) {
  const link = el('a', { href: '#/case/' + item.reference, className: 'ref-link mono', text: item.reference });
  const unassigned = item.assigned_to === null || item.assigned_to === undefined;
  const tr = el('tr', { 'data-testid': 'queue-row', 'data-reference': item.reference }, [
    el('td', {}, [link]),
    el('td', {}, [badge(item.status)]),
    el('td', { className: 'merchant', text: item.merchant_name }),
    el('td', { text: vocab('categories', item.category) }),
    el('td', { text: vocab('platforms', item.platform) }),
    el('td', { text: item.merchant_province ? vocab('provinces', item.merchant_province) : '—' }),
    el('td', { className: 'assignee-cell', title: staffEmail(item.assigned_to) || null, text: unassigned ? '—' : staffEmail(item.assigned_to) }),
    el('td', { className: 'num prio-cell' }, [priorityBadge(item.priority)]),
    el('td', { className: 'nowrap' }, [timeEl(item.created_at)]),
    el('td', { className: 'nowrap due-cell' }, [deadlineNode(item.deadline)])
  ]);
  tr.addEventListener('click', (e) => {
    if (e.target.closest('a') || (window.getSelection && String(window.getSelection()))) return;
    location.hash = '#/case/' + item.reference;
  });
  link.addEventListener('focus', () => select(index, false));
  return tr;
}

function renderRows() {
  const body = $('queue-rows');
  clear(body);
  queue.items.forEach((item, i) => body.appendChild(queueRow(item, i)));
  markSelected();
}

function renderQueueMeta() {
  $('queue-empty').hidden = queue.loading || queue.items.length > 0;
  $('queue-more').hidden = !queue.next;
  $('queue-summary').textContent = queue.items.length
    ? T.t(queue.next ? 'admin.queue.shown.more' : 'admin.queue.shown', { n: queue.items.length })
    : '';
}

function select(index, focus) {
  if (!queue.items.length) return;
  queue.selected = Math.max(0, Math.min(index, queue.items.length - 1));
  markSelected();
  if (focus) {
    const row = $('queue-rows').children[queue.selected];
    if (row) {
      row.querySelector('a').focus();
      row.scrollIntoView({ block: 'nearest' });
    }
  }
}

function markSelected() {
  Array.from($('queue-rows').children).forEach((row, i) => {
    row.classList.toggle('selected', i === queue.selected);
  });
}

export async function openQueue(params, focus) {
  showView('queue-view');
  setTitle(T.t('admin.queue.title'));
  const filters = {};
  FILTERS.forEach((k) => { filters[k] = params.get(k) || ''; });
  queue.filters = filters;
  writeFilterForm(filters);
  $('filters-error').textContent = '';
  renderTabs();
  await loadQueue(true);
  const index = queue.items.findIndex((i) => i.reference === lastOpened);
  if (index >= 0) select(index, focus);
  else if (focus) $('queue-heading').focus();
}

export async function loadQueue(reset) {
  const q = queue;
  if (!reset && (q.loading || !q.next)) return;
  const seq = ++q.seq;
  q.loading = true;
  $('queue-loading').textContent = T.t('admin.loading');
  if (reset) {
    $('queue-empty').hidden = true;
    $('queue-export').href = exportUrl(q.filters);
  }
  try {
    const data = await api('GET', apiQuery(q.filters, reset ? null : q.next));
    if (seq !== q.seq) return;
    if (reset) {
      q.items = [];
      q.selected = -1;
      clear($('queue-rows'));
    }
    const start = q.items.length;
    data.items.forEach((item, i) => {
      q.items.push(item);
      $('queue-rows').appendChild(queueRow(item, start + i));
    });
    markSelected();
    q.next = data.next_cursor || null;
    q.counts = data.counts;
    $('filters-error').textContent = '';
    notice('');
  } catch (err) {
    if (seq !== q.seq) return;
    if (err.status === 422 || err.status === 400) {
      $('filters-error').textContent = failure(err);
      q.items = [];
      q.next = null;
      clear($('queue-rows'));
    } else if (err.status !== 401) notice(failure(err));
  } finally {
    if (seq === q.seq) {
      q.loading = false;
      $('queue-loading').textContent = '';
      renderTabs();
      renderQueueMeta();
    }
  }
  // The observer only reports changes: keep filling while the end is still in view.
  if (seq === q.seq && q.next && shown('queue-view') &&
      $('queue-sentinel').getBoundingClientRect().top < window.innerHeight + 400) {
    requestAnimationFrame(() => loadQueue(false));
  }
}

/** The queue's keys: j / k move, Enter opens, "/" searches. True when the key was used. */
export function queueKey(e) {
  const key = e.key;
  if (key === 'j' || key === 'k') {
    e.preventDefault();
    select(queue.selected < 0 ? 0 : queue.selected + (key === 'j' ? 1 : -1), true);
    if (key === 'j' && queue.selected >= queue.items.length - 3) loadQueue(false);
    return true;
  }
  if (key === 'Enter' && !e.target.closest('a, button')) {
    const item = queue.items[queue.selected];
    if (item) {
      e.preventDefault();
      location.hash = '#/case/' + item.reference;
    }
    return true;
  }
  if (key === '/') {
    e.preventDefault();
    $('f-q').focus();
    return true;
  }
  return false;
}

/** Redraws in the current language. */
export function renderQueue() {
  fillQueueFilters();
  renderTabs();
  renderRows();
  renderQueueMeta();
}

export function initQueue() {
  $('queue-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    applyFilters(readFilterForm());
  });
  $('queue-filters').addEventListener('change', (e) => {
    if (e.target.tagName === 'SELECT' || e.target.type === 'date') applyFilters(readFilterForm());
  });
  $('filters-reset').addEventListener('click', () => {
    applyFilters({ status: queue.filters.status || '' });
  });
  $('queue-more').addEventListener('click', () => loadQueue(false));
  if ('IntersectionObserver' in window) {
    new IntersectionObserver((entries) => {
      entries.forEach((entry) => {
        if (entry.isIntersecting && shown('queue-view')) loadQueue(false);
      });
    }, { rootMargin: '400px 0px' }).observe($('queue-sentinel'));
  }
}
