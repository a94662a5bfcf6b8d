/* Reported merchants (#/merchants?platform=&province=&sort=) and a merchant's profile
 * (#/merchant/ID): its cases, signal totals and a month-by-month table. */
import * as T from '../i18n.js';
import {
  $, el, clear, badge, priorityBadge, timeEl, fillSelect, notice, showView, setTitle
} from './dom.js';
import { api, failure } from './api.js';
import { options, vocab, signalLabel } from './meta.js';
import { signalTags, sortedCounts } from './signals.js';

const MERCHANT_FILTERS = ['platform', 'province', 'sort'];
const MERCHANTS_PAGE = 50;

const merchants = { filters: {}, items: [], next: null, loading: false, seq: 0, loaded: false };
const merchant = { data: null, seq: 0 };

function merchantsHash(filters) {
  const p = new URLSearchParams();
  MERCHANT_FILTERS.forEach((k) => { if (filters[k]) p.set(k, filters[k]); });
  const s = p.toString();
  return '#/merchants' + (s ? '?' + s : '');
}

export function fillMerchantFilters() {
  const all = [['', T.t('admin.f.all')]];
  fillSelect($('m-platform'), all.concat(options('platforms')));
  fillSelect($('m-province'), all.concat(options('provinces')));
  writeMerchantFilters(merchants.filters);
}

function writeMerchantFilters(filters) {
  $('m-platform').value = filters.platform || '';
  $('m-province').value = filters.province || '';
  $('m-sort').value = filters.sort || 'reports';
}

export async function openMerchants(params, focus) {
  showView('merchants-view');
  setTitle(T.t('admin.m.title'));
  const filters = {};
  MERCHANT_FILTERS.forEach((k) => { filters[k] = params.get(k) || ''; });
  merchants.filters = filters;
  writeMerchantFilters(filters);
  if (focus) $('merchants-heading').focus();
  await loadMerchants(true);
}

async function loadMerchants(reset) {
  const m = merchants;
  if (!reset && (m.loading || !m.next)) return;
  const seq = ++m.seq;
  m.loading = true;
  $('merchants-loading').textContent = T.t('admin.loading');
  const p = new URLSearchParams();
  MERCHANT_FILTERS.forEach((k) => { if (m.filters[k]) p.set(k, m.filters[k]); });
  p.set('limit', String(MERCHANTS_PAGE));
  if (!reset) p.set('cursor', m.next);
  const moreHadFocus = document.activeElement === $('merchants-more');
  let firstNew = 0;
  try {
    const data = await api('GET', '/api/v1/merchants?' + p.toString());
    if (seq !== m.seq) return;
    if (reset) m.items = [];
    firstNew = m.items.length;
    m.items = m.items.concat(data.items);
    m.next = data.next_cursor || null;
    m.loaded = true;
    $('merchants-error').textContent = '';
    renderMerchants();
    notice('');
  } catch (err) {
    if (seq !== m.seq || err.status === 401) return;
    if (err.status === 422 || err.status === 400) {
      m.items = [];
      m.next = null;
      m.loaded = true;
      renderMerchants();
      $('merchants-error').textContent = failure(err);
    } else notice(failure(err));
  } finally {
    if (seq === m.seq) {
      m.loading = false;
      $('merchants-loading').textContent = '';
      renderMerchantsMeta();
      // The button went away with the last page: keep the keyboard user in the list.
      if (moreHadFocus && $('merchants-more').hidden) {
        const row = $('merchants-rows').children[firstNew];
        const link = row && row.querySelector('a');
        (link || $('merchants-heading')).focus();
      }
    }
  }
}

function merchantHeads() {
  return ['admin.col.merchant', 'f.platform', 'admin.f.province', 'admin.m.reports', 'admin.m.reporters', 'admin.m.last', 'admin.m.first'].map((k) => T.t(k));
}

function merchantRow(m, heads) {
  const link = el('a', { href: '#/merchant/' + encodeURIComponent(m.id), text: m.name });
  const tr = el('tr', { 'data-testid': 'merchant-row', 'data-merchant-id': String(m.id) }, [
    el('th', { scope: 'row', className: 'merchant', 'data-label': heads[0] }, [link]),
    el('td', { 'data-label': heads[1], text: vocab('platforms', m.platform) }),
    el('td', { 'data-label': heads[2], text: m.province ? vocab('provinces', m.province) : '—' }),
    el('td', { className: 'num', 'data-label': heads[3], 'data-testid': 'merchant-reports', text: String(m.report_count) }),
    el('td', { className: 'num', 'data-label': heads[4], text: String(m.reporter_count) }),
    el('td', { className: 'nowrap', 'data-label': heads[5] }, [timeEl(m.last_reported_at)]),
    el('td', { className: 'nowrap', 'data-label': heads[6] }, [timeEl(m.first_reported_at)])
  ]);
  tr.addEventListener('click', (e) => {
    if (e.target.closest('a') || (window.getSelection && String(window.getSelection()))) return;
    location.hash = '#/merchant/' + encodeURIComponent(m.id);
  });
  return tr;
}

function renderMerchants() {
  const body = $('merchants-rows');
  clear(body);
  const heads = merchantHeads();
  merchants.items.forEach((m) => body.appendChild(merchantRow(m, heads)));
  renderMerchantsMeta();
}

function renderMerchantsMeta() {
  const m = merchants;
  $('merchants-empty').hidden = m.loading || !m.loaded || m.items.length > 0;
  $('merchants-more').hidden = !m.next;
  $('merchants-summary').textContent = m.items.length
    ? T.t(m.next ? 'admin.m.shown.more' : 'admin.m.shown', { n: m.items.length })
    : '';
}

function merchantsBackLink() {
  return el('a', { href: merchantsHash(merchants.filters || {}), className: 'back-link', text: '← ' + T.t('admin.m.back') });
}

// ---- one merchant -----------------------------------------------------------------

export async function openMerchant(id, focus) {
  showView('merchant-view');
  const view = $('merchant-view');
  const seq = ++merchant.seq;
  if (!merchant.data || String(merchant.data.id) !== String(id)) {
    clear(view);
    view.appendChild(el('p', { className: 'hint loading', text: T.t('admin.loading') }));
  }
  try {
    const data = await api('GET', '/api/v1/merchants/' + encodeURIComponent(id));
    if (seq !== merchant.seq) return;
    merchant.data = data;
    setTitle(data.name);
    renderMerchant(false);
    if (focus) $('merchant-heading').focus();
  } catch (err) {
    if (seq !== merchant.seq || err.status === 401) return;
    merchant.data = null;
    clear(view);
    view.appendChild(merchantsBackLink());
    view.appendChild(el('div', {
      className: 'notice error', role: 'alert',
      text: err.status === 404 ? T.t('admin.m.notfound') : failure(err)
    }));
  }
}

/** A horizontal bar, `value` of `max`; the number itself is always shown next to it as text. */
function bar(value, max) {
  const fill = el('span', { className: 'bar-fill' });
  // CSSOM, not a style attribute: the page's policy allows no inline styles.
  fill.style.width = (max > 0 && value > 0 ? Math.max(2, Math.round((100 * value) / max)) : 0) + '%';
  return el('span', { className: 'bar', 'aria-hidden': 'true' }, [fill]);
}

/** "2026年12月" / "Dec 2026": a month, unambiguous in both languages. */
function monthLabel(key) {
  const [y, m] = key.split('-').map(Number);
  if (!y || !m) return key;
  try {
    return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString(T.lang() === 'en' ? 'en-GB' : 'zh-CN', { year: 'numeric', month: 'short', timeZone: 'UTC' });
  } catch (e) { return key; }
}

/** The months from the first to the last with cases, newest first, empty ones included (within ten years). */
function monthRows(months) {
  const keys = months.map((x) => x.month).filter((k) => /^\d{4}-\d{2}$/.test(k)).sort();
  if (!keys.length) return months.slice().reverse();
  const byMonth = new Map(months.map((x) => [x.month, x]));
  const [y0, m0] = keys[0].split('-').map(Number);
  const [y1, m1] = keys[keys.length - 1].split('-').map(Number);
  const span = (y1 - y0) * 12 + (m1 - m0) + 1;
  if (span > 120) return keys.map((k) => byMonth.get(k)).reverse();
  const out = [];
  for (let i = 0; i < span; i++) {
    const y = y0 + Math.floor((m0 - 1 + i) / 12);
    const key = y + '-' + String(((m0 - 1 + i) % 12) + 1).padStart(2, '0');
    out.push(byMonth.get(key) || { month: key, cases: 0, signals: {} });
  }
  return out.reverse();
}

function merchantTotalsSection(m) {
  const cases = (m.cases || []).length;
  const totals = sortedCounts(m.signal_totals);
  const body = totals.length
    ? el('ul', { className: 'bars', id: 'signal-totals' }, totals.map(([code, n]) => el('li', {
      className: 'bar-row', 'data-testid': 'signal-total', 'data-code': code, 'data-count': String(n)
    }, [
      el('span', { className: 'bar-label', text: signalLabel(code) }),
      bar(n, cases),
      el('span', { className: 'bar-value', text: T.t('admin.m.totals.cases', { n }) })
    ])))
    : el('p', { className: 'hint', id: 'signal-totals-none', text: T.t('admin.m.totals.none') });
  return el('section', { className: 'card', 'aria-labelledby': 'merchant-totals-heading' }, [
    el('h3', { id: 'merchant-totals-heading', text: T.t('admin.m.totals') }),
    el('p', { className: 'hint', text: T.t('admin.m.totals.hint', { n: cases }) }),
    body
  ]);
}

function merchantMonthsSection(m) {
  const rows = monthRows(m.months || []);
  const max = rows.reduce((acc, r) => Math.max(acc, r.cases || 0), 0);
  return el('section', { className: 'card', 'aria-labelledby': 'merchant-months-heading' }, [
    el('h3', { id: 'merchant-months-heading', text: T.t('admin.m.months') }),
    el('div', { className: 'table-wrap months-wrap' }, [el('table', { className: 'months', id: 'merchant-months' }, [
      el('caption', { className: 'sr-only', text: T.t('admin.m.months.caption') }),
      el('thead', {}, [el('tr', {}, [
        el('th', { scope: 'col', text: T.t('admin.m.month') }),
        el('th', { scope: 'col', text: T.t('admin.m.month.cases') }),
        el('th', { scope: 'col', text: T.t('admin.m.month.signals') })
      ])]),
      el('tbody', {}, rows.map((r) => {
        const counts = sortedCounts(r.signals);
        return el('tr', { 'data-testid': 'merchant-month', 'data-month': r.month, className: r.cases ? '' : 'empty-month' }, [
          el('th', { scope: 'row', className: 'nowrap' }, [el('time', { datetime: r.month, text: monthLabel(r.month) })]),
          el('td', { className: 'month-cases' }, [
            el('span', { className: 'bar-cell' }, [bar(r.cases || 0, max), el('span', { className: 'bar-value num', text: String(r.cases || 0) })])
          ]),
          el('td', {}, counts.length
            ? [el('span', { className: 'tags' }, counts.map(([code, n]) => el('span', { className: 'tag sig', 'data-code': code, text: signalLabel(code) + ' ×' + n })))]
            : [el('span', { className: 'hint', text: T.t('admin.m.month.none') })])
        ]);
      }))
    ])])
  ]);
}

function merchantCasesSection(m) {
  const cases = m.cases || [];
  const heads = ['admin.m.col.case', 'admin.col.status', 'f.category', 'admin.col.priority', 'admin.m.col.signals', 'd.created_at'].map((k) => T.t(k));
  return el('section', { className: 'card table-card merchant-cases', 'aria-labelledby': 'merchant-cases-heading' }, [
    el('h3', { id: 'merchant-cases-heading', text: T.t('admin.m.cases', { n: cases.length }) }),
    m.report_count > cases.length
      ? el('p', { className: 'hint', text: T.t('admin.m.cases.truncated', { shown: cases.length, n: m.report_count }) })
      : null,
    el('div', { className: 'table-wrap' }, [el('table', { className: 'list-table cases-table', id: 'merchant-cases' }, [
      el('thead', {}, [el('tr', {}, heads.map((h, i) => el('th', { scope: 'col', className: i === 3 ? 'num' : null, text: h })))]),
      el('tbody', {}, cases.map((c) => el('tr', { 'data-testid': 'merchant-case', 'data-reference': c.reference }, [
        el('th', { scope: 'row', 'data-label': heads[0] }, [el('a', { href: '#/case/' + encodeURIComponent(c.reference), className: 'ref-link mono', text: c.reference })]),
        el('td', { 'data-label': heads[1] }, [badge(c.status)]),
        el('td', { 'data-label': heads[2], text: vocab('categories', c.category) }),
        el('td', { className: 'num', 'data-label': heads[3] }, [priorityBadge(c.priority)]),
        el('td', { 'data-label': heads[4] }, [c.signals && c.signals.length ? signalTags(c.signals) : el('span', { className: 'hint', text: '—' })]),
        el('td', { className: 'nowrap', 'data-label': heads[5] }, [timeEl(c.created_at)])
      ])))
    ])])
  ]);
}

function stat(key, value, id) {
  return el('div', { className: 'stat' }, [el('dt', { text: T.t(key) }), el('dd', { id: id || null }, [value])]);
}

/** Draws the merchant page; `keepScroll` after a language switch. */
function renderMerchant(keepScroll) {
  const m = merchant.data;
  if (!m) return;
  const view = $('merchant-view');
  const y = window.scrollY;
  clear(view);
  view.setAttribute('data-merchant-id', String(m.id));
  view.appendChild(el('div', { className: 'case-head merchant-head' }, [
    el('div', { className: 'case-nav' }, [merchantsBackLink()]),
    el('p', { className: 'eyebrow', text: T.t('admin.m.profile') }),
    el('h2', { id: 'merchant-heading', tabindex: '-1', className: 'merchant-name', text: m.name }),
    el('p', { className: 'hint case-meta', id: 'merchant-where' }, [
      vocab('platforms', m.platform), ' · ', m.province ? vocab('provinces', m.province) : T.t('admin.m.no_province')
    ]),
    el('dl', { className: 'stats' }, [
      stat('admin.m.reports', String(m.report_count), 'merchant-report-count'),
      stat('admin.m.reporters', String(m.reporter_count), 'merchant-reporter-count'),
      stat('admin.m.first', timeEl(m.first_reported_at)),
      stat('admin.m.last', timeEl(m.last_reported_at))
    ])
  ]));
  view.appendChild(el('div', { className: 'merchant-grid' }, [merchantTotalsSection(m), merchantMonthsSection(m)]));
  view.appendChild(merchantCasesSection(m));
  if (keepScroll) window.scrollTo(0, y);
}

/** Redraws in the current language. */
export function renderMerchantPages() {
  fillMerchantFilters();
  if (merchants.loaded) renderMerchants();
  if (!$('merchant-view').hidden) {
    renderMerchant(true);
    if (merchant.data) setTitle(merchant.data.name);
  }
}

export function initMerchants() {
  $('merchants-filters').addEventListener('submit', (e) => e.preventDefault());
  $('merchants-filters').addEventListener('change', () => {
    const hash = merchantsHash({
      platform: $('m-platform').value,
      province: $('m-province').value,
      sort: $('m-sort').value === 'reports' ? '' : $('m-sort').value
    });
    if (location.hash === hash) loadMerchants(true);
    else location.hash = hash;
  });
  $('merchants-more').addEventListener('click', () => loadMerchants(false));
}
