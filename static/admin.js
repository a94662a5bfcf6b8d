/* The moderators' single-page UI at /admin (hash routes: #/queue?…,
 * #/case/QL-XXXX-XXXX, #/users). The session is an HttpOnly cookie; every
 * state-changing request carries the session's X-CSRF-Token. Everything a
 * consumer wrote is inserted as text (textContent / text nodes), never as HTML. */
(() => {
  'use strict';
  const T = window.I18N;
  const QL = window.QL;
  const $ = QL.$;
  const el = QL.el;

  const STATUSES = ['submitted', 'under_review', 'needs_info', 'validated', 'forwarded', 'rejected', 'duplicate', 'closed'];
  const FILTERS = ['status', 'q', 'merchant', 'category', 'platform', 'province', 'assigned', 'created_from', 'created_to', 'sort'];
  const MAX_NOTE_CHARS = 10000;
  const MAX_REASON_CHARS = 2000;
  const PAGE_SIZE = 50;
  /** Keyboard shortcut → the transition it asks for on a case. */
  const ACTION_KEYS = { u: 'under_review', i: 'needs_info', v: 'validated', r: 'rejected', d: 'duplicate', c: 'closed' };

  const state = {
    user: null,
    csrf: null,
    meta: null,
    staff: [],
    route: { name: 'queue' },
    queue: { filters: {}, items: [], next: null, counts: null, loading: false, seq: 0, selected: -1 },
    lastOpened: null,
    caseData: null,
    caseSeq: 0,
    users: [],
    pending: null,
    returnFocus: null,
    lightbox: { images: [], index: 0 },
    thumbs: new Map()
  };

  // ---- talking to the API -------------------------------------------------

  class ApiError extends Error {
    constructor(status, body, headers) {
      super('HTTP ' + status);
      this.status = status;
      this.body = body;
      this.headers = headers;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (method !== 'GET') {
      if (state.csrf) headers['X-CSRF-Token'] = state.csrf;
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, null, null);
    }
    const data = QL.parseJson(await response.text());
    if (!response.ok) {
      const error = new ApiError(response.status, data, response.headers);
      if (response.status === 401 && state.user && !/\/auth\/(login|session)$/.test(path)) sessionEnded();
      throw error;
    }
    return data;
  }

  /** A readable message for a failed request. */
  function failure(err) {
    const status = err && err.status;
    if (status === 0) return T.t('admin.err.network');
    if (status === 401) return T.t('admin.err.session');
    if (status === 403) return T.t('admin.err.forbidden');
    if (status === 404) return T.t('admin.err.notfound');
    if (status === 409) return T.t('admin.err.conflict');
    const errors = QL.problemErrors(err && err.body);
    if (errors.length) return errors.map((e) => QL.errorText(e) || e.message).join(T.lang() === 'en' ? '; ' : '；');
    return T.t('err.server', { status });
  }

  // ---- small helpers --------------------------------------------------------

  function vocab(list, code) {
    if (!code) return '';
    const item = ((state.meta && state.meta[list]) || []).find((i) => i.code === code);
    return item ? T.label(item) : code;
  }

  function badge(status) {
    return el('span', { className: 'badge s-' + status, text: QL.statusLabel(status) });
  }

  function timeEl(iso) {
    return el('time', { datetime: iso, text: QL.formatTime(iso) });
  }

  function staffEmail(id) {
    if (id === null || id === undefined) return '';
    if (state.user && id === state.user.id) return state.user.email;
    const s = state.staff.find((u) => u.id === id);
    return s ? s.email : '#' + id;
  }

  function colon() { return T.lang() === 'en' ? ': ' : '：'; }

  function section(titleKey, children, attrs) {
    const id = 'sec-' + titleKey.replace(/\W+/g, '-');
    return el('section', Object.assign({ className: 'card', 'aria-labelledby': id }, attrs || {}), [
      el('h3', { id, text: T.t(titleKey) })
    ].concat(children));
  }

  function detailRow(dl, key, value) {
    if (value === null || value === undefined || value === '') return;
    dl.appendChild(el('dt', { text: T.t(key) }));
    dl.appendChild(el('dd', {}, [value]));
  }

  /** A consumer-written address: a link only when it is http(s), always shown as text. */
  function urlNode(value) {
    try {
      const url = new URL(value);
      if (url.protocol === 'http:' || url.protocol === 'https:') {
        return el('a', { href: url.href, rel: 'noopener noreferrer nofollow', target: '_blank', text: value });
      }
    } catch (e) { /* shown as text */ }
    return document.createTextNode(value);
  }

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    const tag = target.tagName;
    if (tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable) return true;
    if (tag !== 'INPUT') return false;
    return !['button', 'submit', 'reset', 'checkbox', 'radio'].includes(target.type);
  }

  let toastTimer = null;
  function toast(text) {
    const box = $('toast');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  function notice(text) {
    const box = $('app-notice');
    box.textContent = text || '';
    box.hidden = !text;
  }

  const VIEWS = ['login-view', 'queue-view', 'case-view', 'users-view'];
  function showView(id) {
    VIEWS.forEach((v) => { $(v).hidden = v !== id; });
    $('app-loading').hidden = true;
    $('nav-queue').toggleAttribute('aria-current', id === 'queue-view' || id === 'case-view');
    $('nav-users').toggleAttribute('aria-current', id === 'users-view');
  }

  // ---- session ----------------------------------------------------------------

  function setSession(session) {
    state.user = session.user;
    state.csrf = session.csrf_token;
    $('staff-nav').hidden = false;
    $('nav-users').hidden = session.user.role !== 'admin';
    renderWhoami();
  }

  function renderWhoami() {
    if (!state.user) return;
    $('whoami').textContent = state.user.email + ' · ' + T.t('role.' + state.user.role);
  }

  function showLogin(message) {
    closeDialogs();
    $('staff-nav').hidden = true;
    showView('login-view');
    document.title = T.t('admin.login.title') + ' · ' + T.t('admin.title');
    const box = $('login-error');
    box.textContent = message || '';
    box.hidden = !message;
    $('login-email').focus();
  }

  function sessionEnded() {
    state.user = null;
    state.csrf = null;
    showLogin(T.t('admin.err.session'));
  }

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const email = $('login-email').value.trim();
    const password = $('login-password').value;
    const box = $('login-error');
    box.hidden = true;
    if (!email || !password) {
      box.textContent = T.t('admin.login.missing');
      box.hidden = false;
      return;
    }
    $('login-submit').disabled = true;
    try {
      const session = await api('POST', '/api/v1/auth/login', { email, password });
      $('login-password').value = '';
      setSession(session);
      await afterLogin();
    } catch (err) {
      let message;
      if (err.status === 401) message = T.t('admin.login.failed');
      else if (err.status === 429) {
        const secs = Number(err.headers && err.headers.get('Retry-After')) || 60;
        message = T.t('admin.login.throttled', { min: Math.max(1, Math.ceil(secs / 60)) });
      } else message = failure(err);
      box.textContent = message;
      box.hidden = false;
      $('login-password').focus();
    } finally {
      $('login-submit').disabled = false;
    }
  });

  $('logout-button').addEventListener('click', async () => {
    try { await api('POST', '/api/v1/auth/logout'); } catch (e) { /* the session is gone either way */ }
    state.user = null;
    state.csrf = null;
    state.caseData = null;
    showLogin();
    toast(T.t('admin.logged_out'));
  });

  async function afterLogin() {
    notice('');
    const [meta, staff] = await Promise.all([
      QL.loadMeta().catch(() => null),
      api('GET', '/api/v1/staff').then((r) => r.items).catch(() => [])
    ]);
    state.meta = meta;
    state.staff = staff;
    fillFilterSelects();
    route({ focus: true });
  }

  // ---- routing ----------------------------------------------------------------

  function parseHash() {
    const hash = location.hash.replace(/^#/, '') || '/queue';
    const [path, query] = hash.split('?');
    const m = /^\/case\/([^/]+)$/.exec(path);
    if (m) return { name: 'case', ref: decodeURIComponent(m[1]) };
    if (path === '/users') return { name: 'users' };
    return { name: 'queue', params: new URLSearchParams(query || '') };
  }

  function route(opts) {
    if (!state.user) return;
    const previous = state.route.name;
    const r = parseHash();
    state.route = r;
    const focus = (opts && opts.focus) || previous !== r.name;
    if (r.name === 'case') openCase(r.ref, { focus: true });
    else if (r.name === 'users') {
      if (state.user.role === 'admin') openUsers(focus);
      else location.replace('#/queue');
    } else openQueue(r.params, focus);
  }

  window.addEventListener('hashchange', () => {
    closeDialogs();
    route();
  });

  // ---- the queue --------------------------------------------------------------

  function queueHash(filters) {
    const p = new URLSearchParams();
    FILTERS.forEach((k) => { if (filters[k]) p.set(k, filters[k]); });
    const s = p.toString();
    return '#/queue' + (s ? '?' + s : '');
  }

  function nextDay(date) {
    const [y, m, d] = date.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  }

  /** The API query: dates are whole days in Beijing time, the end day included. */
  function apiQuery(filters, cursor) {
    const p = new URLSearchParams();
    FILTERS.forEach((k) => {
      const v = filters[k];
      if (!v) return;
      if (k === 'created_from' && /^\d{4}-\d{2}-\d{2}$/.test(v)) p.set(k, v + 'T00:00:00+08:00');
      else if (k === 'created_to' && /^\d{4}-\d{2}-\d{2}$/.test(v)) p.set(k, nextDay(v) + 'T00:00:00+08:00');
      else p.set(k, v);
    });
    p.set('limit', String(PAGE_SIZE));
    if (cursor) p.set('cursor', cursor);
    return '/api/v1/cases?' + p.toString();
  }

  function fillSelect(select, options) {
    const current = select.value;
    QL.clear(select);
    options.forEach(([value, text]) => select.appendChild(el('option', { value, text })));
    select.value = current;
    if (select.selectedIndex < 0) select.selectedIndex = 0;
  }

  function fillFilterSelects() {
    const all = [['', T.t('admin.f.all')]];
    const m = state.meta || { categories: [], platforms: [], provinces: [] };
    fillSelect($('f-category'), all.concat(m.categories.map((i) => [i.code, T.label(i)])));
    fillSelect($('f-platform'), all.concat(m.platforms.map((i) => [i.code, T.label(i)])));
    fillSelect($('f-province'), all.concat(m.provinces.map((i) => [i.code, T.label(i)])));
    fillSelect($('f-assigned'), all.concat([['me', T.t('admin.f.assigned.me')], ['none', T.t('admin.f.assigned.none')]],
      state.staff.filter((s) => !state.user || s.id !== state.user.id).map((s) => [String(s.id), s.email])));
    writeFilterForm(state.queue.filters);
  }

  function writeFilterForm(filters) {
    $('f-q').value = filters.q || '';
    $('f-merchant').value = filters.merchant || '';
    $('f-category').value = filters.category || '';
    $('f-platform').value = filters.platform || '';
    $('f-province').value = filters.province || '';
    $('f-assigned').value = filters.assigned || '';
    $('f-from').value = filters.created_from || '';
    $('f-to').value = filters.created_to || '';
    $('f-sort').value = filters.sort || 'newest';
  }

  function readFilterForm() {
    const f = {
      status: state.queue.filters.status || '',
      q: $('f-q').value.trim(),
      merchant: $('f-merchant').value.trim(),
      category: $('f-category').value,
      platform: $('f-platform').value,
      province: $('f-province').value,
      assigned: $('f-assigned').value,
      created_from: $('f-from').value,
      created_to: $('f-to').value,
      sort: $('f-sort').value === 'newest' ? '' : $('f-sort').value
    };
    return f;
  }

  function applyFilters(filters) {
    const hash = queueHash(filters);
    if (location.hash === hash) loadQueue(true);
    else location.hash = hash;
  }

  $('queue-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    applyFilters(readFilterForm());
  });
  $('queue-filters').addEventListener('change', (e) => {
    if (e.target.tagName === 'SELECT' || e.target.type === 'date') applyFilters(readFilterForm());
  });
  $('filters-reset').addEventListener('click', () => {
    applyFilters({ status: state.queue.filters.status || '' });
  });

  function renderTabs() {
    const nav = $('status-tabs');
    const q = state.queue;
    QL.clear(nav);
    const counts = q.counts || {};
    const total = STATUSES.reduce((sum, s) => sum + (counts[s] || 0), 0);
    const tabs = [['', T.t('admin.tab.all'), q.counts ? total : null]]
      .concat(STATUSES.map((s) => [s, QL.statusLabel(s), q.counts ? counts[s] || 0 : null]));
    tabs.forEach(([status, label, count]) => {
      const current = (q.filters.status || '') === status;
      nav.appendChild(el('a', {
        href: queueHash(Object.assign({}, q.filters, { status })),
        className: 'tab' + (current ? ' current' : ''),
        'aria-current': current ? 'page' : null,
        'data-status': status || 'all'
      }, [
        el('span', { text: label }),
        count === null ? null : el('span', { className: 'count', text: String(count) })
      ]));
    });
  }

  function queueRow(item, index) {
    const link = el('a', { href: '#/case/' + item.reference, className: 'ref-link mono', text: item.reference });
    const tr = el('tr', { 'data-testid': 'queue-row', 'data-reference': item.reference }, [
      el('td', {}, [link]),
      el('td', {}, [badge(item.status)]),
      el('td', { className: 'merchant', text: item.merchant_name }),
      el('td', { text: vocab('categories', item.category) }),
      el('td', { text: vocab('platforms', item.platform) }),
      el('td', { text: item.merchant_province ? vocab('provinces', item.merchant_province) : '—' }),
      el('td', { className: 'assignee-cell', title: staffEmail(item.assigned_to) || null, text: item.assigned_to === null || item.assigned_to === undefined ? '—' : staffEmail(item.assigned_to) }),
      el('td', { className: 'num', text: String(item.priority) }),
      el('td', { className: 'nowrap' }, [timeEl(item.created_at)])
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
    QL.clear(body);
    state.queue.items.forEach((item, i) => body.appendChild(queueRow(item, i)));
    markSelected();
  }

  function renderQueueMeta() {
    const q = state.queue;
    $('queue-empty').hidden = q.loading || q.items.length > 0;
    $('queue-more').hidden = !q.next;
    $('queue-summary').textContent = q.items.length
      ? T.t(q.next ? 'admin.queue.shown.more' : 'admin.queue.shown', { n: q.items.length })
      : '';
  }

  function select(index, focus) {
    const q = state.queue;
    if (!q.items.length) return;
    q.selected = Math.max(0, Math.min(index, q.items.length - 1));
    markSelected();
    if (focus) {
      const row = $('queue-rows').children[q.selected];
      if (row) {
        row.querySelector('a').focus();
        row.scrollIntoView({ block: 'nearest' });
      }
    }
  }

  function markSelected() {
    Array.from($('queue-rows').children).forEach((row, i) => {
      row.classList.toggle('selected', i === state.queue.selected);
    });
  }

  async function openQueue(params, focus) {
    showView('queue-view');
    document.title = T.t('admin.queue.title') + ' · ' + T.t('admin.title');
    const filters = {};
    FILTERS.forEach((k) => { filters[k] = params.get(k) || ''; });
    state.queue.filters = filters;
    writeFilterForm(filters);
    $('filters-error').textContent = '';
    renderTabs();
    await loadQueue(true);
    const q = state.queue;
    const index = q.items.findIndex((i) => i.reference === state.lastOpened);
    if (index >= 0) select(index, focus);
    else if (focus) $('queue-heading').focus();
  }

  async function loadQueue(reset) {
    const q = state.queue;
    if (!reset && (q.loading || !q.next)) return;
    const seq = ++q.seq;
    q.loading = true;
    $('queue-loading').textContent = T.t('admin.loading');
    if (reset) $('queue-empty').hidden = true;
    try {
      const data = await api('GET', apiQuery(q.filters, reset ? null : q.next));
      if (seq !== q.seq) return;
      if (reset) {
        q.items = [];
        q.selected = -1;
        QL.clear($('queue-rows'));
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
        QL.clear($('queue-rows'));
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
    if (seq === q.seq && q.next && !$('queue-view').hidden &&
        $('queue-sentinel').getBoundingClientRect().top < window.innerHeight + 400) {
      requestAnimationFrame(() => loadQueue(false));
    }
  }

  $('queue-more').addEventListener('click', () => loadQueue(false));
  if ('IntersectionObserver' in window) {
    new IntersectionObserver((entries) => {
      entries.forEach((entry) => {
        if (entry.isIntersecting && !$('queue-view').hidden) loadQueue(false);
      });
    }, { rootMargin: '400px 0px' }).observe($('queue-sentinel'));
  }

  // ---- a case -----------------------------------------------------------------

  function actionLabel(from, to) {
    if (to === 'under_review') {
      if (from === 'submitted') return T.t('admin.act.start');
      if (from === 'needs_info') return T.t('admin.act.resume');
      return T.t('admin.act.reopen');
    }
    return T.t('admin.act.' + to);
  }

  function keyFor(to) {
    return Object.keys(ACTION_KEYS).find((k) => ACTION_KEYS[k] === to) || null;
  }

  function backLink() {
    const hash = queueHash(state.queue.filters || {});
    return el('a', { href: hash, className: 'back-link', text: '← ' + T.t('admin.back') });
  }

  async function openCase(ref, opts) {
    opts = opts || {};
    showView('case-view');
    const view = $('case-view');
    const seq = ++state.caseSeq;
    if (!state.caseData || state.caseData.reference !== ref) {
      QL.clear(view);
      view.appendChild(el('p', { className: 'hint loading', text: T.t('admin.loading') }));
    }
    try {
      const data = await api('GET', '/api/v1/cases/' + encodeURIComponent(ref));
      if (seq !== state.caseSeq) return;
      state.caseData = data;
      state.lastOpened = data.reference;
      document.title = data.reference + ' · ' + T.t('admin.title');
      renderCase();
      if (opts.focus) $('case-heading').focus();
    } catch (err) {
      if (seq !== state.caseSeq || err.status === 401) return;
      state.caseData = null;
      QL.clear(view);
      view.appendChild(backLink());
      view.appendChild(el('div', {
        className: 'notice error', role: 'alert',
        text: err.status === 404 ? T.t('admin.case.notfound', { ref }) : failure(err)
      }));
    }
  }

  function renderCase() {
    const c = state.caseData;
    if (!c) return;
    const view = $('case-view');
    // A note being written survives a re-render (after an action, an assignment, a language switch).
    const draft = $('note-body') && view.getAttribute('data-reference') === c.reference ? $('note-body').value : '';
    if (view.getAttribute('data-reference') !== c.reference) state.thumbs = new Map();
    view.setAttribute('data-reference', c.reference);
    QL.clear(view);

    const actions = el('div', { className: 'case-actions', role: 'group', 'aria-label': T.t('admin.actions') });
    if (!c.allowed_transitions.length) actions.appendChild(el('p', { className: 'hint', text: T.t('admin.actions.none') }));
    c.allowed_transitions.forEach((to) => {
      const key = keyFor(to);
      const cls = to === 'rejected' ? 'danger' : to === 'validated' || (to === 'under_review' && c.status === 'submitted') ? 'primary' : '';
      const button = el('button', {
        type: 'button', className: cls, 'data-action': to, 'aria-keyshortcuts': key
      }, [actionLabel(c.status, to), key ? el('kbd', { 'aria-hidden': 'true', text: key }) : null]);
      button.addEventListener('click', () => openTransition(to));
      actions.appendChild(button);
    });

    const position = state.queue.items.findIndex((i) => i.reference === c.reference);
    const head = el('div', { className: 'case-head' }, [
      el('div', { className: 'case-nav' }, [
        backLink(),
        position >= 0 ? el('span', { className: 'hint', text: T.t('admin.case.position', { i: position + 1, n: state.queue.items.length }) }) : null
      ]),
      el('h2', { id: 'case-heading', tabindex: '-1' }, [
        el('span', { className: 'mono', text: c.reference }), ' ', badge(c.status)
      ]),
      el('p', { className: 'hint case-meta' }, [
        T.t('d.created_at') + colon(), timeEl(c.created_at), ' · ',
        T.t('admin.updated') + colon(), timeEl(c.updated_at), ' · ',
        T.t('admin.col.priority') + colon() + c.priority
      ]),
      c.duplicate_of ? el('p', { className: 'notice' }, [
        T.t('admin.case.duplicate_of') + ' ', el('a', { href: '#/case/' + c.duplicate_of, className: 'mono', text: c.duplicate_of })
      ]) : null,
      actions
    ]);
    view.appendChild(head);

    const main = el('div', { className: 'case-main' }, [
      reportSection(c),
      c.logistics ? logisticsSection(c.logistics) : null,
      evidenceSection(c),
      c.replies.length ? repliesSection(c) : null,
      timelineSection(c),
      auditSection(c)
    ]);
    const side = el('div', { className: 'case-side' }, [
      assignSection(c),
      contactSection(c),
      notesSection(c),
      relatedSection(c)
    ]);
    view.appendChild(el('div', { className: 'case-grid' }, [main, side]));
    if (draft) $('note-body').value = draft;
  }

  /** The thumbnail of an image, reused across re-renders: every fetch of evidence is audited. */
  function thumbnail(c, e) {
    let img = state.thumbs.get(e.id);
    if (!img) {
      img = el('img', { src: evidenceUrl(c, e, true), alt: e.display_name, loading: 'lazy' });
      state.thumbs.set(e.id, img);
    }
    return img;
  }

  function reportSection(c) {
    const dl = el('dl', { className: 'details' });
    detailRow(dl, 'f.category', vocab('categories', c.category));
    detailRow(dl, 'f.platform', vocab('platforms', c.platform));
    detailRow(dl, 'f.merchant_name', c.merchant_name);
    detailRow(dl, 'f.shop_url', c.shop_url ? urlNode(c.shop_url) : null);
    detailRow(dl, 'f.product_url', c.product_url ? urlNode(c.product_url) : null);
    detailRow(dl, 'f.order_id', c.order_id);
    detailRow(dl, 'f.province', c.merchant_province ? vocab('provinces', c.merchant_province) : null);
    detailRow(dl, 'f.city', c.merchant_city);
    const reviews = c.review_texts || [];
    return section('admin.case.report', [
      dl,
      el('h4', { text: T.t('sec.description') }),
      el('div', { id: 'case-description', className: 'prose', text: c.description }),
      reviews.length ? el('h4', { text: T.t('admin.case.reviews', { n: reviews.length }) }) : null,
      reviews.length ? el('ol', { className: 'review-list' },
        reviews.map((t) => el('li', { 'data-testid': 'review-text', text: t }))) : null
    ]);
  }

  function logisticsSection(l) {
    const dl = el('dl', { className: 'details' });
    detailRow(dl, 'f.carrier', l.carrier);
    detailRow(dl, 'f.tracking_number', l.tracking_number ? el('span', { className: 'mono', text: l.tracking_number }) : null);
    detailRow(dl, 'd.shipped_at', l.shipped_at ? timeEl(l.shipped_at) : null);
    detailRow(dl, 'd.delivered_at', l.delivered_at ? timeEl(l.delivered_at) : null);
    detailRow(dl, 'f.weight', l.declared_weight_kg === null || l.declared_weight_kg === undefined ? null : String(l.declared_weight_kg));
    detailRow(dl, 'f.origin', l.origin);
    detailRow(dl, 'f.destination', l.destination);
    const events = l.events || [];
    return section('track.logistics', [
      dl,
      events.length ? el('div', { className: 'table-wrap' }, [el('table', {}, [
        el('caption', { className: 'sr-only', text: T.t('f.events') }),
        el('thead', {}, [el('tr', {}, ['ev.time', 'ev.location', 'ev.description'].map((k) => el('th', { scope: 'col', text: T.t(k) })))]),
        el('tbody', {}, events.map((e) => el('tr', {}, [
          el('td', { className: 'nowrap' }, [timeEl(e.time)]),
          el('td', { text: e.location || '' }),
          el('td', { text: e.description || '' })
        ])))
      ])]) : null
    ]);
  }

  function evidenceUrl(c, e, inline) {
    return '/api/v1/cases/' + encodeURIComponent(c.reference) + '/evidence/' + e.id + (inline ? '?inline=1' : '');
  }

  function isImage(e) { return /^image\//.test(e.content_type); }

  function evidenceSection(c) {
    const list = c.evidence || [];
    if (!list.length) return section('track.evidence', [el('p', { className: 'hint', text: T.t('track.noevidence') })]);
    const images = list.filter(isImage);
    const items = list.map((e) => {
      const name = e.display_name;
      const dims = e.width && e.height ? ' · ' + e.width + '×' + e.height : '';
      let thumb;
      if (isImage(e)) {
        thumb = el('button', {
          type: 'button', className: 'thumb',
          'aria-label': T.t('admin.evidence.zoom', { name })
        }, [thumbnail(c, e)]);
        thumb.addEventListener('click', () => openLightbox(images, images.indexOf(e)));
      } else {
        const ext = (/\.([A-Za-z0-9]+)$/.exec(name) || [null, e.content_type.split('/')[1] || '?'])[1];
        thumb = el('span', { className: 'thumb file', 'aria-hidden': 'true', text: ext.toUpperCase().slice(0, 4) });
      }
      return el('li', { className: 'evidence-item', 'data-testid': 'evidence-item' }, [
        thumb,
        el('div', { className: 'evidence-meta' }, [
          el('div', { className: 'name', text: name }),
          el('div', { className: 'hint', text: e.content_type + ' · ' + QL.formatBytes(e.size_bytes) + dims }),
          e.reply_id ? el('span', { className: 'tag', text: T.t('admin.evidence.from_reply') }) : null,
          el('div', { className: 'sha' }, [el('abbr', { title: 'SHA-256', text: 'SHA-256' }), ' ', el('span', { className: 'mono', text: e.sha256 })]),
          e.original_sha256 && e.original_sha256 !== e.sha256
            ? el('div', { className: 'sha' }, [T.t('admin.evidence.original') + ' ', el('span', { className: 'mono', text: e.original_sha256 })])
            : null,
          el('a', {
            href: evidenceUrl(c, e, false), download: true, className: 'button small',
            'aria-label': T.t('admin.download.label', { name }), text: T.t('admin.download')
          })
        ])
      ]);
    });
    return section('track.evidence', [el('ul', { className: 'gallery' }, items)]);
  }

  function repliesSection(c) {
    return section('admin.case.replies', [el('ol', { className: 'replies' }, c.replies.map((r) => {
      const files = (c.evidence || []).filter((e) => e.reply_id === r.id);
      return el('li', {}, [
        timeEl(r.created_at),
        el('p', { className: 'prose', text: r.message }),
        files.length ? el('p', { className: 'hint', text: T.t('admin.reply.files', { names: files.map((f) => f.display_name).join('、') }) }) : null
      ]);
    }))]);
  }

  function actorText(entry) {
    if (entry.actor) return entry.actor;
    if (entry.status === 'submitted' || (entry.from === 'needs_info' && entry.status === 'under_review')) return T.t('admin.actor.consumer');
    return T.t('admin.actor.system');
  }

  function timelineSection(c) {
    return section('track.timeline', [el('ol', { className: 'timeline' }, c.timeline.map((e) => el('li', {}, [
      el('div', { className: 'when' }, [timeEl(e.at), ' · ' + actorText(e)]),
      el('strong', { text: e.from ? QL.statusLabel(e.from) + ' → ' + QL.statusLabel(e.status) : QL.statusLabel(e.status) }),
      e.note ? el('p', { className: 'note' }, [el('span', { className: 'note-label', text: T.t('admin.note.public') + colon() }), e.note]) : null,
      e.reason ? el('p', { className: 'note' }, [el('span', { className: 'note-label', text: T.t('admin.note.reason') + colon() }), e.reason]) : null
    ])))]);
  }

  const AUDIT_ACTIONS = ['case.view_contact', 'evidence.download', 'case.transition', 'case.note', 'case.assign', 'case.reply'];

  function auditSection(c) {
    const body = el('div', { className: 'audit-body' }, [el('p', { className: 'hint', text: T.t('admin.loading') })]);
    const details = el('details', { className: 'card audit', id: 'audit-details' }, [
      el('summary', { text: T.t('admin.case.audit') }), body
    ]);
    let loaded = false;
    details.addEventListener('toggle', async () => {
      if (!details.open || loaded) return;
      loaded = true;
      try {
        const data = await api('GET', '/api/v1/cases/' + encodeURIComponent(c.reference) + '/audit');
        QL.clear(body);
        body.appendChild(el('div', { className: 'table-wrap' }, [el('table', {}, [
          el('thead', {}, [el('tr', {}, ['admin.audit.at', 'admin.audit.actor', 'admin.audit.action', 'admin.audit.detail', 'admin.audit.ip']
            .map((k) => el('th', { scope: 'col', text: T.t(k) })))]),
          el('tbody', {}, data.items.map((a) => el('tr', {}, [
            el('td', { className: 'nowrap' }, [timeEl(a.at)]),
            el('td', { text: a.actor.label || T.t('admin.actor.' + a.actor.kind) }),
            el('td', { text: AUDIT_ACTIONS.includes(a.action) ? T.t('audit.' + a.action) : a.action }),
            el('td', { className: 'mono small', text: auditDetail(a) }),
            el('td', { className: 'mono small', text: a.client_ip || '' })
          ])))
        ])]));
      } catch (err) {
        loaded = false;
        QL.clear(body);
        body.appendChild(el('p', { className: 'field-error', text: failure(err) }));
      }
    });
    return details;
  }

  function auditDetail(a) {
    const parts = [];
    if (a.before) parts.push(JSON.stringify(a.before));
    if (a.after) parts.push(JSON.stringify(a.after));
    return parts.join(' → ');
  }

  function assignSection(c) {
    const me = state.user;
    const mine = c.assigned_to && c.assigned_to.id === me.id;
    const current = el('p', { id: 'assignee', className: 'assignee' }, [
      c.assigned_to ? c.assigned_to.email : T.t('admin.unassigned')
    ]);
    const buttons = el('div', { className: 'actions' });
    if (!mine) {
      const b = el('button', { type: 'button', className: 'small', id: 'assign-me', 'aria-keyshortcuts': 'a' }, [T.t('admin.assign.me'), el('kbd', { 'aria-hidden': 'true', text: 'a' })]);
      b.addEventListener('click', () => assign(me.id));
      buttons.appendChild(b);
    }
    if (c.assigned_to) {
      const b = el('button', { type: 'button', className: 'small', id: 'unassign', text: T.t('admin.assign.none') });
      b.addEventListener('click', () => assign(null));
      buttons.appendChild(b);
    }
    const others = state.staff.filter((s) => !c.assigned_to || s.id !== c.assigned_to.id);
    let picker = null;
    if (others.length) {
      const selectEl = el('select', { id: 'assign-select' }, others.map((s) => el('option', { value: String(s.id), text: s.email + (s.id === me.id ? ' (' + T.t('admin.me') + ')' : '') })));
      const go = el('button', { type: 'button', className: 'small', text: T.t('admin.assign.do') });
      go.addEventListener('click', () => assign(Number(selectEl.value)));
      picker = el('div', { className: 'assign-picker' }, [
        el('label', { 'for': 'assign-select', text: T.t('admin.assign.to') }),
        el('div', { className: 'inline' }, [selectEl, go])
      ]);
    }
    return section('admin.case.assignee', [current, buttons, picker]);
  }

  async function assign(userId) {
    const c = state.caseData;
    try {
      await api('POST', '/api/v1/cases/' + encodeURIComponent(c.reference) + '/assignment', { user_id: userId });
      c.assigned_to = userId === null ? null : { id: userId, email: staffEmail(userId) };
      const item = state.queue.items.find((i) => i.reference === c.reference);
      if (item) item.assigned_to = userId;
      renderCase();
      toast(userId === null ? T.t('admin.assign.cleared') : T.t('admin.assign.done', { email: staffEmail(userId) }));
      const focusTarget = $('assign-me') || $('unassign');
      if (focusTarget) focusTarget.focus();
    } catch (err) {
      if (err.status !== 401) toast(failure(err));
    }
  }

  function contactSection(c) {
    const r = c.reporter || {};
    const dl = el('dl', { className: 'details' });
    detailRow(dl, 'f.reporter_name', r.name);
    detailRow(dl, 'f.reporter_email', r.email);
    detailRow(dl, 'f.reporter_phone', r.phone);
    detailRow(dl, 'track.consent', T.t(c.consent_share_contact ? 'yes' : 'no'));
    const none = !r.name && !r.email && !r.phone;
    return section('track.reporter', [
      none ? el('p', { className: 'hint', text: T.t('admin.contact.none') }) : null,
      dl,
      el('p', { className: 'hint small', text: T.t('admin.contact.audited') })
    ]);
  }

  function notesList(c) {
    const list = el('ol', { className: 'notes', id: 'notes-list' });
    if (!c.notes.length) list.appendChild(el('li', { className: 'hint empty-note', text: T.t('admin.notes.none') }));
    c.notes.forEach((n) => list.appendChild(el('li', {}, [
      el('div', { className: 'hint' }, [n.author.email, ' · ', timeEl(n.created_at)]),
      el('p', { className: 'prose', text: n.body })
    ])));
    return list;
  }

  function notesSection(c) {
    const textarea = el('textarea', { id: 'note-body', rows: '3', 'aria-describedby': 'note-hint' });
    const error = el('p', { className: 'field-error', id: 'error-note-body' });
    const form = el('form', { id: 'note-form', novalidate: true }, [
      el('label', { 'for': 'note-body', className: 'field-label', text: T.t('admin.notes.add') }),
      el('p', { className: 'hint', id: 'note-hint', text: T.t('admin.notes.hint') }),
      textarea, error,
      el('div', { className: 'actions' }, [
        el('button', { type: 'submit', className: 'small primary', id: 'note-submit', 'aria-keyshortcuts': 'n' }, [T.t('admin.notes.submit')])
      ])
    ]);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = textarea.value.trim();
      error.textContent = '';
      textarea.removeAttribute('aria-invalid');
      const n = QL.charCount(body);
      if (!body || n > MAX_NOTE_CHARS) {
        QL.setFieldError(textarea, error, [body ? T.t('v.max', { max: MAX_NOTE_CHARS }) : T.t('code.required')]);
        textarea.focus();
        return;
      }
      $('note-submit').disabled = true;
      try {
        const res = await api('POST', '/api/v1/cases/' + encodeURIComponent(c.reference) + '/notes', { body });
        c.notes.push({ id: res.id, body, author: { id: state.user.id, email: state.user.email }, created_at: new Date().toISOString() });
        textarea.value = '';
        const fresh = notesList(c);
        $('notes-list').replaceWith(fresh);
        toast(T.t('admin.notes.added'));
      } catch (err) {
        if (err.status !== 401) QL.setFieldError(textarea, error, [failure(err)]);
      } finally {
        $('note-submit').disabled = false;
      }
    });
    return section('admin.case.notes', [notesList(c), form]);
  }

  function relatedSection(c) {
    const list = c.related || [];
    return section('admin.case.related', [
      list.length ? el('ul', { className: 'related' }, list.map((r) => el('li', {}, [
        el('div', {}, [el('a', { href: '#/case/' + r.reference, className: 'mono', text: r.reference }), ' ', badge(r.status)]),
        el('div', { className: 'merchant', text: r.merchant_name }),
        el('div', { className: 'hint' }, [timeEl(r.created_at)]),
        el('div', { className: 'tags' }, r.reasons.map((why) => el('span', { className: 'tag', text: T.t('admin.related.' + why) })))
      ]))) : el('p', { className: 'hint', text: T.t('admin.related.none') })
    ]);
  }

  // ---- the confirmation dialog ------------------------------------------------

  function dialogField(name, labelKey, opts) {
    const id = 'confirm-' + name;
    const control = opts.input
      ? el('input', { type: 'text', id, name, autocomplete: 'off', list: opts.list ? id + '-list' : null, required: !!opts.required, 'aria-describedby': opts.hint ? id + '-hint' : null })
      : el('textarea', { id, name, rows: '4', required: !!opts.required, 'aria-describedby': opts.hint ? id + '-hint' : null });
    return el('div', { className: 'field' }, [
      el('label', { 'for': id }, [T.t(labelKey), opts.required ? el('span', { className: 'req', 'aria-hidden': 'true', text: '*' }) : null]),
      opts.hint ? el('p', { className: 'hint', id: id + '-hint', text: T.t(opts.hint) }) : null,
      control,
      opts.list ? el('datalist', { id: id + '-list' }, opts.list.map((v) => el('option', { value: v }))) : null,
      el('p', { className: 'field-error', id: 'error-' + id })
    ]);
  }

  /** Opens the dialog: {title, text, fields: [[name, labelKey, opts]], ok, danger, run(values)}. */
  function openDialog(spec) {
    const dialog = $('confirm-dialog');
    state.returnFocus = document.activeElement;
    $('confirm-title').textContent = spec.title;
    $('confirm-text').textContent = spec.text;
    const fields = $('confirm-fields');
    QL.clear(fields);
    (spec.fields || []).forEach(([name, key, opts]) => fields.appendChild(dialogField(name, key, opts)));
    $('confirm-error').hidden = true;
    const ok = $('confirm-ok');
    ok.textContent = spec.ok;
    ok.className = spec.danger ? 'danger-solid' : 'primary';
    ok.disabled = false;
    state.pending = spec;
    dialog.showModal();
    const first = fields.querySelector('input, textarea');
    (first || ok).focus();
  }

  function closeDialogs() {
    ['confirm-dialog', 'help-dialog', 'lightbox'].forEach((id) => { if ($(id).open) $(id).close(); });
  }

  $('confirm-cancel').addEventListener('click', () => $('confirm-dialog').close());
  $('confirm-dialog').addEventListener('close', () => {
    state.pending = null;
    const back = state.returnFocus;
    state.returnFocus = null;
    if (back && document.contains(back)) back.focus();
    else if ($('case-heading') && !$('case-view').hidden) $('case-heading').focus();
  });

  function dialogError(text) {
    const box = $('confirm-error');
    box.textContent = text;
    box.hidden = !text;
  }

  $('confirm-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const spec = state.pending;
    if (!spec || $('confirm-ok').disabled) return;
    const values = {};
    let invalid = null;
    $('confirm-fields').querySelectorAll('input, textarea').forEach((c) => {
      const value = c.value.trim();
      values[c.name] = value;
      const error = $('error-' + c.id);
      error.textContent = '';
      c.removeAttribute('aria-invalid');
      let message = '';
      if (c.required && !value) message = T.t('code.required');
      else if (QL.charCount(value) > MAX_REASON_CHARS) message = T.t('v.max', { max: MAX_REASON_CHARS });
      else if (spec.check) message = spec.check(c.name, value) || '';
      if (message) {
        QL.setFieldError(c, error, [message]);
        invalid = invalid || c;
      }
    });
    if (invalid) {
      invalid.focus();
      return;
    }
    dialogError('');
    $('confirm-ok').disabled = true;
    let keepOpen = false;
    try {
      await spec.run(values);
    } catch (err) {
      keepOpen = true;
      if (err.status === 401) return;
      const handled = spec.onError ? await spec.onError(err) : false;
      if (!handled) {
        const fieldErrors = QL.problemErrors(err.body).filter((fe) => $('confirm-' + fe.field));
        fieldErrors.forEach((fe) => QL.setFieldError($('confirm-' + fe.field), $('error-confirm-' + fe.field), [dialogErrorText(fe)]));
        if (fieldErrors.length) $('confirm-' + fieldErrors[0].field).focus();
        else dialogError(failure(err));
        $('confirm-ok').disabled = false;
      }
    }
    if (!keepOpen && $('confirm-dialog').open) $('confirm-dialog').close();
  });

  function dialogErrorText(fe) {
    if (fe.code === 'not_found' || fe.code === 'self') return T.t('admin.dup.' + fe.code);
    return QL.errorText(fe) || fe.message;
  }

  function canonicalRef(value) {
    const compact = String(value || '').toUpperCase().replace(/[\s-]/g, '');
    return /^QL[0-9A-Z]{8}$/.test(compact) ? 'QL-' + compact.slice(2, 6) + '-' + compact.slice(6) : null;
  }

  function openTransition(to) {
    const c = state.caseData;
    if (!c || !c.allowed_transitions.includes(to) || $('confirm-dialog').open) return;
    const from = c.status;
    const label = actionLabel(from, to);
    let fields;
    if (to === 'rejected') fields = [['reason', 'admin.fld.reason', { required: true, hint: 'admin.fld.reason.hint' }]];
    else if (to === 'needs_info') fields = [['public_note', 'admin.fld.question', { required: true, hint: 'admin.fld.question.hint' }]];
    else if (to === 'duplicate') {
      fields = [
        ['duplicate_of', 'admin.fld.duplicate_of', { required: true, input: true, hint: 'admin.fld.duplicate_of.hint', list: (c.related || []).map((r) => r.reference) }],
        ['reason', 'admin.fld.internal_reason', { hint: 'admin.fld.internal_reason.hint' }]
      ];
    } else fields = [['public_note', 'admin.fld.public_note', { hint: 'admin.fld.public_note.hint' }]];
    openDialog({
      title: label,
      text: T.t('admin.confirm.text', { ref: c.reference, from: QL.statusLabel(from), to: QL.statusLabel(to) }),
      fields,
      ok: label,
      danger: to === 'rejected',
      check: (name, value) => {
        if (name !== 'duplicate_of' || !value) return '';
        const ref = canonicalRef(value);
        if (!ref) return T.t('admin.dup.format');
        if (ref === c.reference) return T.t('admin.dup.self');
        return '';
      },
      run: async (values) => {
        const body = { to, from };
        if (values.reason) body.reason = values.reason;
        if (values.public_note) body.public_note = values.public_note;
        if (values.duplicate_of) body.duplicate_of = canonicalRef(values.duplicate_of);
        const res = await api('POST', '/api/v1/cases/' + encodeURIComponent(c.reference) + '/transitions', body);
        const item = state.queue.items.find((i) => i.reference === c.reference);
        if (item) item.status = res.status;
        toast(T.t('admin.moved', { ref: c.reference, status: QL.statusLabel(res.status) }));
        state.returnFocus = null;
        await openCase(c.reference, { focus: false });
      },
      onError: async (err) => {
        if (err.status === 409) {
          await openCase(c.reference, { focus: false });
          const now = state.caseData ? state.caseData.status : from;
          dialogError(now !== from
            ? T.t('admin.conflict.moved', { status: QL.statusLabel(now) })
            : T.t('admin.conflict.illegal'));
          $('confirm-ok').disabled = true;
          $('confirm-cancel').focus();
          return true;
        }
        if (err.status === 403) {
          dialogError(T.t('admin.err.admin_only'));
          $('confirm-ok').disabled = true;
          return true;
        }
        return false;
      }
    });
  }

  // ---- the evidence lightbox --------------------------------------------------

  function openLightbox(images, index) {
    state.returnFocus = document.activeElement;
    state.lightbox = { images, index };
    showLightboxImage();
    $('lightbox').showModal();
    $('lightbox-close').focus();
  }

  function showLightboxImage() {
    const { images, index } = state.lightbox;
    const c = state.caseData;
    const e = images[index];
    if (!e || !c) return;
    const img = $('lightbox-img');
    img.src = evidenceUrl(c, e, true);
    img.alt = e.display_name;
    const dims = e.width && e.height ? ' · ' + e.width + '×' + e.height : '';
    $('lightbox-caption').textContent = e.display_name + ' · ' + QL.formatBytes(e.size_bytes) + dims +
      (images.length > 1 ? ' · ' + (index + 1) + ' / ' + images.length : '');
    $('lightbox-download').href = evidenceUrl(c, e, false);
    $('lightbox-prev').hidden = images.length < 2;
    $('lightbox-next').hidden = images.length < 2;
  }

  function stepLightbox(delta) {
    const lb = state.lightbox;
    if (lb.images.length < 2) return;
    lb.index = (lb.index + delta + lb.images.length) % lb.images.length;
    showLightboxImage();
  }

  $('lightbox-prev').addEventListener('click', () => stepLightbox(-1));
  $('lightbox-next').addEventListener('click', () => stepLightbox(1));
  $('lightbox-close').addEventListener('click', () => $('lightbox').close());
  $('lightbox').addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') { stepLightbox(-1); e.preventDefault(); }
    if (e.key === 'ArrowRight') { stepLightbox(1); e.preventDefault(); }
  });
  $('lightbox').addEventListener('click', (e) => { if (e.target === $('lightbox')) $('lightbox').close(); });
  $('lightbox').addEventListener('close', () => {
    $('lightbox-img').removeAttribute('src');
    const back = state.returnFocus;
    state.returnFocus = null;
    if (back && document.contains(back)) back.focus();
  });

  // ---- users (admins) ---------------------------------------------------------

  async function openUsers(focus) {
    showView('users-view');
    document.title = T.t('admin.users.title') + ' · ' + T.t('admin.title');
    if (focus) $('users-heading').focus();
    try {
      const data = await api('GET', '/api/v1/admin/users');
      state.users = data.items;
      renderUsers();
    } catch (err) {
      if (err.status !== 401) notice(failure(err));
    }
  }

  function renderUsers() {
    const body = $('users-rows');
    QL.clear(body);
    state.users.forEach((u) => {
      let action = null;
      if (!u.disabled && u.id !== state.user.id) {
        action = el('button', { type: 'button', className: 'small danger', 'aria-label': T.t('admin.users.disable.label', { email: u.email }), text: T.t('admin.users.disable') });
        action.addEventListener('click', () => openDialog({
          title: T.t('admin.users.disable.title'),
          text: T.t('admin.users.disable.text', { email: u.email }),
          ok: T.t('admin.users.disable'),
          danger: true,
          run: async () => {
            await api('POST', '/api/v1/admin/users/' + u.id + '/disable');
            toast(T.t('admin.users.disabled', { email: u.email }));
            state.returnFocus = $('users-heading');
            await openUsers(false);
          }
        }));
      }
      body.appendChild(el('tr', { 'data-testid': 'user-row' }, [
        el('td', { text: u.email + (u.id === state.user.id ? ' (' + T.t('admin.me') + ')' : '') }),
        el('td', { text: T.t('role.' + u.role) }),
        el('td', {}, [el('span', { className: 'badge ' + (u.disabled ? 's-closed-off' : 's-active'), text: T.t(u.disabled ? 'admin.users.off' : 'admin.users.on') })]),
        el('td', { className: 'nowrap' }, [timeEl(u.created_at)]),
        el('td', {}, [action])
      ]));
    });
  }

  $('user-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = $('user-form');
    QL.clearFieldErrors(form);
    $('user-form-error').hidden = true;
    const email = $('user-email').value.trim();
    const password = $('user-password').value;
    const role = $('user-role').value;
    let bad = null;
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
      QL.setFieldError($('user-email'), $('error-user-email'), [T.t(email ? 'code.email' : 'code.required')]);
      bad = bad || $('user-email');
    }
    const n = QL.charCount(password);
    if (n < 12 || n > 256) {
      QL.setFieldError($('user-password'), $('error-user-password'), [T.t('admin.users.password.length')]);
      bad = bad || $('user-password');
    }
    if (bad) {
      bad.focus();
      return;
    }
    $('user-submit').disabled = true;
    try {
      await api('POST', '/api/v1/admin/users', { email, role, password });
      form.reset();
      toast(T.t('admin.users.created', { email }));
      await openUsers(false);
      api('GET', '/api/v1/staff').then((r) => { state.staff = r.items; fillFilterSelects(); }).catch(() => {});
    } catch (err) {
      if (err.status === 401) return;
      const errors = QL.problemErrors(err.body).filter((fe) => $('user-' + fe.field));
      errors.forEach((fe) => QL.setFieldError($('user-' + fe.field), $('error-user-' + fe.field),
        [fe.field === 'password' ? T.t('admin.users.password.length') : QL.errorText(fe)]));
      if (!errors.length) {
        const box = $('user-form-error');
        box.textContent = err.status === 409 ? T.t('admin.users.exists') : failure(err);
        box.hidden = false;
      }
    } finally {
      $('user-submit').disabled = false;
    }
  });

  // ---- keyboard -------------------------------------------------------------

  const SHORTCUTS = [
    ['?', 'admin.key.help'],
    ['j / k', 'admin.key.jk'],
    ['Enter', 'admin.key.enter'],
    ['/', 'admin.key.search'],
    ['u', 'admin.key.u'],
    ['i', 'admin.key.i'],
    ['v', 'admin.key.v'],
    ['r', 'admin.key.r'],
    ['d', 'admin.key.d'],
    ['c', 'admin.key.c'],
    ['n', 'admin.key.n'],
    ['a', 'admin.key.a'],
    ['b', 'admin.key.b'],
    ['Esc', 'admin.key.esc']
  ];

  function renderHelp() {
    const rows = $('help-rows');
    QL.clear(rows);
    SHORTCUTS.forEach(([keys, text]) => rows.appendChild(el('tr', {}, [
      el('th', { scope: 'row' }, keys.split(' / ').reduce((acc, k, i) => acc.concat(i ? [' / '] : [], [el('kbd', { text: k })]), [])),
      el('td', { text: T.t(text) })
    ])));
  }

  function openHelp() {
    state.returnFocus = document.activeElement;
    $('help-dialog').showModal();
    $('help-close').focus();
  }
  $('help-button').addEventListener('click', openHelp);
  $('help-close').addEventListener('click', () => $('help-dialog').close());
  $('help-dialog').addEventListener('close', () => {
    const back = state.returnFocus;
    state.returnFocus = null;
    if (back && document.contains(back)) back.focus();
  });

  function gotoNeighbour(delta) {
    const q = state.queue;
    const c = state.caseData;
    const index = c ? q.items.findIndex((i) => i.reference === c.reference) : -1;
    const next = index >= 0 ? q.items[index + delta] : null;
    if (next) location.hash = '#/case/' + next.reference;
    else toast(T.t(delta > 0 ? 'admin.case.last' : 'admin.case.first'));
  }

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || !state.user) return;
    if (isTyping(e.target) || document.querySelector('dialog[open]')) return;
    const key = e.key;
    const name = $('queue-view').hidden ? ($('case-view').hidden ? null : 'case') : 'queue';
    if (key === '?') {
      e.preventDefault();
      openHelp();
      return;
    }
    if (name === 'queue') {
      if (key === 'j' || key === 'k') {
        e.preventDefault();
        const q = state.queue;
        select(q.selected < 0 ? 0 : q.selected + (key === 'j' ? 1 : -1), true);
        if (key === 'j' && q.selected >= q.items.length - 3) loadQueue(false);
      } else if (key === 'Enter' && !e.target.closest('a, button')) {
        const item = state.queue.items[state.queue.selected];
        if (item) {
          e.preventDefault();
          location.hash = '#/case/' + item.reference;
        }
      } else if (key === '/') {
        e.preventDefault();
        $('f-q').focus();
      }
    } else if (name === 'case' && state.caseData) {
      if (ACTION_KEYS[key]) {
        const to = ACTION_KEYS[key];
        if (state.caseData.allowed_transitions.includes(to)) {
          e.preventDefault();
          openTransition(to);
        } else toast(T.t('admin.key.unavailable'));
      } else if (key === 'n') {
        e.preventDefault();
        $('note-body').focus();
      } else if (key === 'a') {
        e.preventDefault();
        if ($('assign-me')) assign(state.user.id);
      } else if (key === 'b' || key === 'Escape') {
        e.preventDefault();
        location.hash = queueHash(state.queue.filters || {});
      } else if (key === 'j' || key === 'k') {
        e.preventDefault();
        gotoNeighbour(key === 'j' ? 1 : -1);
      }
    }
  });

  // ---- language and start-up ----------------------------------------------------

  T.onChange(() => {
    renderWhoami();
    renderHelp();
    fillFilterSelects();
    renderTabs();
    renderRows();
    renderQueueMeta();
    if (!$('case-view').hidden) renderCase();
    if (!$('users-view').hidden) renderUsers();
    if ($('lightbox').open) showLightboxImage();
  });

  async function boot() {
    QL.initLangSwitch();
    renderHelp();
    try {
      setSession(await api('GET', '/api/v1/auth/session'));
    } catch (err) {
      showLogin(err.status === 401 ? '' : failure(err));
      return;
    }
    await afterLogin();
  }

  boot();
})();
