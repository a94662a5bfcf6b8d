/* Reported hotline numbers (#/hotlines?number=&sort=): each number with the brands it posed as,
 * the sites that advertised it, when it was first and last reported, and its newest cases —
 * a ring shows as one number with many brands. */
import * as T from '../i18n.js';
import * as QL from '../common.js';
import { $, el, clear, badge, timeEl, notice, showView, setTitle } from './dom.js';
import { api, failure } from './api.js';

const FILTERS = ['number', 'sort'];
const hotlines = { filters: {}, items: [], loaded: false, seq: 0 };

function hotlinesHash(filters) {
  const p = new URLSearchParams();
  FILTERS.forEach((k) => { if (filters[k]) p.set(k, filters[k]); });
  const s = p.toString();
  return '#/hotlines' + (s ? '?' + s : '');
}

export async function openHotlines(params, focus) {
  showView('hotlines-view');
  setTitle(T.t('admin.h.title'));
  const filters = {};
  FILTERS.forEach((k) => { filters[k] = params.get(k) || ''; });
  hotlines.filters = filters;
  $('h-number').value = filters.number;
  $('h-sort').value = filters.sort || 'cases';
  if (focus) $('hotlines-heading').focus();
  await loadHotlines();
}

async function loadHotlines() {
  const h = hotlines;
  const seq = ++h.seq;
  const p = new URLSearchParams();
  FILTERS.forEach((k) => { if (h.filters[k]) p.set(k, h.filters[k]); });
  p.set('limit', '50');
  $('hotlines-loading').textContent = T.t('admin.loading');
  try {
    const data = await api('GET', '/api/v1/hotlines?' + p.toString());
    if (seq !== h.seq) return;
    h.items = data.items;
    h.loaded = true;
    $('hotlines-error').textContent = '';
    notice('');
  } catch (err) {
    if (seq !== h.seq || err.status === 401) return;
    h.items = [];
    h.loaded = true;
    if (err.status === 422 || err.status === 400) $('hotlines-error').textContent = failure(err);
    else notice(failure(err));
  } finally {
    if (seq === h.seq) $('hotlines-loading').textContent = '';
  }
  renderHotlines();
}

function heads() {
  return ['admin.h.number', 'admin.h.cases', 'admin.h.brands', 'admin.h.domains', 'admin.m.first', 'admin.m.last', 'admin.h.recent']
    .map((k) => T.t(k));
}

function numberRow(item, names) {
  const list = (items) => (items.length ? QL.listText(items) : '—');
  return el('tr', { 'data-testid': 'hotline-row', 'data-number': item.number }, [
    el('th', { scope: 'row', className: 'mono', 'data-label': names[0], text: item.number }),
    el('td', { className: 'num', 'data-label': names[1], 'data-testid': 'hotline-cases', text: String(item.cases) }),
    el('td', { 'data-label': names[2], 'data-testid': 'hotline-brands', text: list(item.brands) }),
    el('td', { 'data-label': names[3], text: list(item.domains) }),
    el('td', { className: 'nowrap', 'data-label': names[4] }, [timeEl(item.first_seen_at)]),
    el('td', { className: 'nowrap', 'data-label': names[5] }, [timeEl(item.last_seen_at)]),
    el('td', { 'data-label': names[6] }, [el('ul', { className: 'hotline-cases' }, item.recent_cases.map((c) =>
      el('li', {}, [el('a', { href: '#/case/' + encodeURIComponent(c.reference), className: 'mono', text: c.reference }), ' ', badge(c.status)])))])
  ]);
}

export function renderHotlines() {
  const body = $('hotlines-rows');
  if (!body) return;
  clear(body);
  const names = heads();
  hotlines.items.forEach((item) => body.appendChild(numberRow(item, names)));
  $('hotlines-empty').hidden = !hotlines.loaded || hotlines.items.length > 0;
  $('hotlines-summary').textContent = hotlines.items.length ? T.t('admin.h.shown', { n: hotlines.items.length }) : '';
}

export function initHotlines() {
  $('hotlines-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = hotlinesHash({ number: $('h-number').value.trim(), sort: $('h-sort').value === 'cases' ? '' : $('h-sort').value });
  });
  $('h-sort').addEventListener('change', () => {
    location.hash = hotlinesHash({ number: $('h-number').value.trim(), sort: $('h-sort').value === 'cases' ? '' : $('h-sort').value });
  });
}
