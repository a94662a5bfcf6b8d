/* The moderators' single-page UI at /admin (hash routes: #/queue?…,
 * #/case/QL-XXXX-XXXX, #/merchants?…, #/merchant/ID; for admins #/users, #/regulators, #/deliveries?status=…). The session is an HttpOnly cookie; every
 * state-changing request carries the session's X-CSRF-Token. Everything a
 * consumer wrote is inserted as text (textContent / text nodes), never as HTML. */
(() => {
  'use strict';
  const T = window.I18N;
  const QL = window.QL;
  const $ = QL.$;
  const el = QL.el;

  const STATUSES = ['submitted', 'under_review', 'needs_info', 'validated', 'forwarded', 'rejected', 'duplicate', 'closed'];
  const FILTERS = ['status', 'q', 'merchant', 'category', 'platform', 'province', 'signal', 'assigned', 'created_from', 'created_to', 'sort'];
  /** The fraud signals the server computes (src/domain/signals/mod.rs SignalCode), in its order. */
  const SIGNAL_CODES = ['duplicate_evidence', 'similar_evidence', 'template_reviews', 'delivered_before_shipped',
    'implausible_transit_time', 'empty_parcel_weight', 'no_transit_scans', 'reused_tracking_number',
    'invalid_tracking_number', 'brushing_keywords', 'repeat_merchant'];
  const SEVERITIES = ['high', 'medium', 'low'];
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
    thumbs: new Map(),
    /** Auto-refresh of the open case while mail is on its way (`mail`) or its signals are being computed (`signals`). */
    poll: { timer: null, count: 0, paused: false, mail: false, signals: false, signalsPaused: false },
    regulators: { items: [], inbox: null, editing: null, loaded: false },
    deliveries: { status: 'failed', items: [], next: null, loading: false, seq: 0, loaded: false },
    merchants: { filters: {}, items: [], next: null, loading: false, seq: 0, loaded: false },
    merchant: { data: null, seq: 0 }
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

  function signalLabel(code) {
    return T.has('signal.' + code) ? T.t('signal.' + code) : code;
  }

  /** A {"zh-CN", "en"} explanation from the server, in the current language. */
  function explanationText(exp) {
    if (!exp) return '';
    return (T.lang() === 'en' ? exp.en : exp['zh-CN']) || exp['zh-CN'] || exp.en || '';
  }

  function severityBadge(severity) {
    return el('span', { className: 'badge sev sev-' + severity, 'data-testid': 'severity' }, [
      el('span', { className: 'sr-only', text: T.t('admin.sig.severity') }),
      T.has('severity.' + severity) ? T.t('severity.' + severity) : severity
    ]);
  }

  function priorityLevel(score) {
    return score >= 60 ? 'high' : score >= 30 ? 'medium' : 'low';
  }

  /** A priority score (0–100) as a small coloured number. */
  function priorityBadge(score, extraClass) {
    const n = Number(score) || 0;
    return el('span', {
      className: 'prio p-' + priorityLevel(n) + (extraClass ? ' ' + extraClass : ''),
      title: T.t('admin.prio.label', { score: n }),
      'data-priority': String(n),
      text: String(n)
    });
  }

  function signalTags(codes) {
    return el('span', { className: 'tags signal-tags' }, (codes || []).map((code) =>
      el('span', { className: 'tag sig', 'data-code': code, text: signalLabel(code) })));
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

  const VIEWS = ['login-view', 'queue-view', 'case-view', 'merchants-view', 'merchant-view', 'users-view', 'regulators-view', 'deliveries-view'];
  function showView(id) {
    VIEWS.forEach((v) => { $(v).hidden = v !== id; });
    $('app-loading').hidden = true;
    if (id !== 'case-view') stopPolling();
    $('nav-queue').toggleAttribute('aria-current', id === 'queue-view' || id === 'case-view');
    $('nav-merchants').toggleAttribute('aria-current', id === 'merchants-view' || id === 'merchant-view');
    $('nav-users').toggleAttribute('aria-current', id === 'users-view');
    $('nav-regulators').toggleAttribute('aria-current', id === 'regulators-view');
    $('nav-deliveries').toggleAttribute('aria-current', id === 'deliveries-view');
  }

  // ---- session ----------------------------------------------------------------

  function setSession(session) {
    state.user = session.user;
    state.csrf = session.csrf_token;
    $('staff-nav').hidden = false;
    const admin = session.user.role === 'admin';
    $('nav-users').hidden = !admin;
    $('nav-regulators').hidden = !admin;
    $('nav-deliveries').hidden = !admin;
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
    stopPolling();
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
    stopPolling();
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
    const merchant = /^\/merchant\/([^/]+)$/.exec(path);
    if (merchant) return { name: 'merchant', id: decodeURIComponent(merchant[1]) };
    if (path === '/merchants') return { name: 'merchants', params: new URLSearchParams(query || '') };
    if (path === '/users') return { name: 'users' };
    if (path === '/regulators') return { name: 'regulators' };
    if (path === '/deliveries') return { name: 'deliveries', params: new URLSearchParams(query || '') };
    return { name: 'queue', params: new URLSearchParams(query || '') };
  }

  function route(opts) {
    if (!state.user) return;
    const previous = state.route.name;
    const r = parseHash();
    state.route = r;
    const focus = (opts && opts.focus) || previous !== r.name;
    const adminOnly = { users: openUsers, regulators: openRegulators, deliveries: (f) => openDeliveries(r.params, f) };
    if (r.name === 'case') openCase(r.ref, { focus: true });
    else if (r.name === 'merchants') openMerchants(r.params, focus);
    else if (r.name === 'merchant') openMerchant(r.id, true);
    else if (adminOnly[r.name]) {
      if (state.user.role === 'admin') adminOnly[r.name](focus);
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
    fillSelect($('f-signal'), all.concat(SIGNAL_CODES.map((code) => [code, signalLabel(code)])));
    fillSelect($('f-assigned'), all.concat([['me', T.t('admin.f.assigned.me')], ['none', T.t('admin.f.assigned.none')]],
      state.staff.filter((s) => !state.user || s.id !== state.user.id).map((s) => [String(s.id), s.email])));
    writeFilterForm(state.queue.filters);
    fillMerchantFilters();
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
      signal: $('f-signal').value,
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
      el('td', { className: 'num prio-cell' }, [priorityBadge(item.priority)]),
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
    stopPolling();
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
      state.poll.count = 0;
      schedulePoll();
      if (opts.focus) {
        renderCase();
        $('case-heading').focus();
      } else renderCasePreserving();
    } catch (err) {
      if (seq !== state.caseSeq || err.status === 401) return;
      stopPolling();
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
    state.poll.rendered = pollState();
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
        T.t('admin.col.priority') + colon(), priorityScoreNode(c)
      ]),
      c.duplicate_of ? el('p', { className: 'notice' }, [
        T.t('admin.case.duplicate_of') + ' ', el('a', { href: '#/case/' + c.duplicate_of, className: 'mono', text: c.duplicate_of })
      ]) : null,
      actions
    ]);
    view.appendChild(head);

    const deliveries = c.deliveries || [];
    const forwardingFirst = deliveries.some((d) => d.kind === 'regulator') || ['validated', 'forwarded', 'closed'].includes(c.status);
    const forwarding = forwardingFirst || deliveries.length ? forwardingSection(c) : null;
    const main = el('div', { className: 'case-main' }, [
      forwardingFirst ? forwarding : null,
      signalsSection(c),
      reportSection(c),
      c.logistics ? logisticsSection(c.logistics) : null,
      evidenceSection(c),
      c.replies.length ? repliesSection(c) : null,
      timelineSection(c),
      forwardingFirst ? null : forwarding,
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

  /**
   * Re-renders the case page keeping what the moderator was doing: the focused control (and the
   * caret in a text box), open <details>, the scroll position.
   */
  function renderCasePreserving() {
    const view = $('case-view');
    const active = document.activeElement;
    let focusSel = null;
    const hadFocus = !!active && active !== document.body && view.contains(active);
    if (hadFocus) {
      if (active.id) focusSel = '#' + CSS.escape(active.id);
      else {
        const key = ['data-action', 'data-retry'].find((a) => active.hasAttribute(a));
        if (key) focusSel = '[' + key + '="' + CSS.escape(active.getAttribute(key)) + '"]';
      }
    }
    const wasInForwarding = !!(active && active.closest && active.closest('#forwarding'));
    const wasInSignals = !!(active && active.closest && active.closest('#signals'));
    const selection = active && active.tagName === 'TEXTAREA' ? [active.selectionStart, active.selectionEnd] : null;
    const open = Array.from(view.querySelectorAll('details[id]')).filter((d) => d.open).map((d) => d.id);
    const y = window.scrollY;
    renderCase();
    open.forEach((id) => { if ($(id)) $(id).open = true; });
    window.scrollTo(0, y);
    if (!hadFocus) return;
    const target = (focusSel && view.querySelector(focusSel)) || (wasInForwarding && $('forwarding-heading')) ||
      (wasInSignals && $('signals-heading')) || $('case-heading');
    if (!target) return;
    target.focus({ preventScroll: true });
    if (selection && target.setSelectionRange) target.setSelectionRange(selection[0], selection[1]);
  }

  // ---- mail: deliveries of a case, and the auto-refresh while they are on their way ----------

  const POLL_MS = 3000;
  /** Every refresh of a case is an audited view of the reporter's contact: keep them few. */
  const POLL_MAX = 60;
  /** Signals are computed within seconds of filing: look a few times, then leave it to the Refresh button. */
  const SIGNALS_POLL_MS = 2000;
  const SIGNALS_POLL_MAX = 15;

  function stopPolling() {
    clearTimeout(state.poll.timer);
    state.poll.timer = null;
  }

  /** Whether the server is still computing the case's signals and priority. */
  function signalsPending(c) {
    return !!(c && c.priority && typeof c.priority === 'object' && (!c.priority.computed_at || c.priority.recomputing));
  }

  /**
   * Refreshes the open case while one of its messages is pending (every few seconds when due,
   * else at its next attempt) or while its signals are being computed.
   */
  function schedulePoll() {
    stopPolling();
    const poll = state.poll;
    poll.paused = false;
    poll.mail = false;
    poll.signals = false;
    poll.signalsPaused = false;
    const c = state.caseData;
    if (!c || $('case-view').hidden) return;
    const waits = [];
    if (signalsPending(c)) {
      if (poll.count < SIGNALS_POLL_MAX) {
        poll.signals = true;
        waits.push(SIGNALS_POLL_MS);
      } else poll.signalsPaused = true;
    }
    const pending = (c.deliveries || []).filter((d) => d.status === 'pending');
    if (pending.length) {
      if (poll.count >= POLL_MAX) poll.paused = true;
      else {
        const due = Math.min.apply(null, pending.map((d) => Date.parse(d.next_attempt_at) || 0));
        const wait = Math.max(POLL_MS, due - Date.now() + 1000);
        if (wait <= 10 * 60 * 1000) {
          poll.mail = true;
          waits.push(Math.min(wait, 60 * 1000));
        }
      }
    }
    if (!waits.length) return;
    const ref = c.reference;
    poll.timer = setTimeout(() => pollCase(ref), Math.min.apply(null, waits));
  }

  async function pollCase(ref) {
    state.poll.timer = null;
    const c = state.caseData;
    if (!state.user || !c || c.reference !== ref || $('case-view').hidden) return;
    if (document.hidden || document.querySelector('dialog[open]')) {
      state.poll.timer = setTimeout(() => pollCase(ref), POLL_MS);
      return;
    }
    state.poll.count += 1;
    await refreshCase(false);
  }

  /** What the forwarding section says about the auto-refresh. */
  function pollHint() {
    if (state.poll.timer && state.poll.mail) return T.t('admin.fwd.auto');
    if (state.poll.paused) return T.t('admin.fwd.paused');
    return '';
  }

  /** Both auto-refresh messages: a re-render is due when either changes. */
  function pollState() {
    return pollHint() + '|' + (state.poll.timer && state.poll.signals ? 's' : '') + (state.poll.signalsPaused ? 'p' : '');
  }

  /**
   * Reloads the open case in place; re-renders only when something changed (or when `manual`,
   * which also restarts the auto-refresh and, unless `quiet`, says it is done).
   */
  async function refreshCase(manual, quiet) {
    const c = state.caseData;
    if (!c) return;
    const seq = ++state.caseSeq;
    try {
      const data = await api('GET', '/api/v1/cases/' + encodeURIComponent(c.reference));
      if (seq !== state.caseSeq || $('case-view').hidden) return;
      const same = JSON.stringify(data) === JSON.stringify(c);
      state.caseData = data;
      if (manual) state.poll.count = 0;
      schedulePoll();
      const item = state.queue.items.find((i) => i.reference === data.reference);
      if (item) item.status = data.status;
      if (!same || manual || pollState() !== state.poll.rendered) renderCasePreserving();
      if (data.status !== c.status) toast(T.t('admin.moved', { ref: data.reference, status: QL.statusLabel(data.status) }));
      else if (manual && !quiet) toast(T.t('admin.refreshed'));
    } catch (err) {
      if (seq !== state.caseSeq || err.status === 401) return;
      if (manual) toast(failure(err));
      schedulePoll();
    }
  }

  function deliveryStatusKey(d) {
    return d.status === 'pending' && d.attempts > 0 ? 'retrying' : d.status;
  }

  function deliveryBadge(d) {
    const key = deliveryStatusKey(d);
    return el('span', { className: 'badge d-' + key, 'data-testid': 'delivery-status', 'data-status': d.status, text: T.t('delivery.status.' + key) });
  }

  function fact(key, value) {
    return el('span', { className: 'fact' }, [el('span', { className: 'fact-label', text: T.t(key) + colon() }), value]);
  }

  /**
   * One message as a card, for the case page and the outbox: who it goes to, its state, the
   * attempts and what the server said. opts: {showCase, showKind, compact, onRetry(d, button)}.
   */
  function deliveryItem(d, opts) {
    opts = opts || {};
    const r = d.recipient || {};
    const facts = [];
    if (opts.showCase && d.reference) facts.push(fact('admin.dl.case', el('a', { href: '#/case/' + d.reference, className: 'mono ref-link', text: d.reference })));
    if (opts.showKind) facts.push(fact('admin.dl.kind', T.t('delivery.kind.' + d.kind)));
    facts.push(fact('admin.dl.attempts', String(d.attempts)));
    if (d.status === 'pending' && d.next_attempt_at) facts.push(fact(d.attempts ? 'admin.dl.next' : 'admin.dl.due', timeEl(d.next_attempt_at)));
    if (d.last_attempt_at && !opts.compact) facts.push(fact('admin.dl.last', timeEl(d.last_attempt_at)));
    if (d.accepted_at) facts.push(fact('admin.dl.accepted', timeEl(d.accepted_at)));
    if (d.failed_at) facts.push(fact('admin.dl.failed', timeEl(d.failed_at)));
    facts.push(fact('admin.dl.created', timeEl(d.created_at)));
    let retry = null;
    if (d.status === 'failed' && opts.onRetry && state.user && state.user.role === 'admin') {
      retry = el('button', {
        type: 'button', className: 'small primary', 'data-retry': String(d.id),
        'aria-label': T.t('admin.dl.retry.label', { to: r.name || r.email }), text: T.t('admin.dl.retry')
      });
      retry.addEventListener('click', () => opts.onRetry(d, retry));
    }
    const showError = d.last_error && d.status !== 'accepted' && d.status !== 'cancelled';
    return el('li', { className: 'delivery s-' + d.status + (opts.compact ? ' compact' : ''), 'data-testid': 'delivery', 'data-delivery-id': String(d.id), 'data-kind': d.kind }, [
      el('div', { className: 'delivery-head' }, [
        deliveryBadge(d),
        recipientNode(r.name, r.email),
        retry
      ]),
      el('div', { className: 'facts' }, facts),
      d.smtp_reply && d.status === 'accepted' ? el('p', { className: 'delivery-reply' }, [
        el('span', { className: 'fact-label', text: T.t('admin.dl.reply') + colon() }), el('span', { className: 'mono', text: d.smtp_reply })
      ]) : null,
      showError ? el('p', { className: 'delivery-error', 'data-testid': 'delivery-error' }, [
        el('span', { className: 'fact-label', text: T.t(d.status === 'failed' ? 'admin.dl.error' : 'admin.dl.last_error') + colon() }), el('span', { className: 'mono', text: d.last_error })
      ]) : null,
      opts.compact ? null : el('p', { className: 'message-id' }, ['Message-ID ', el('span', { className: 'mono', text: d.message_id })])
    ]);
  }

  /** POST …/retry; true when the delivery should be reloaded (sent again, or no longer failed). */
  async function retryDelivery(d, button) {
    // aria-disabled rather than disabled: the button keeps the focus while the request runs.
    if (button.getAttribute('aria-disabled') === 'true') return false;
    button.setAttribute('aria-disabled', 'true');
    const r = d.recipient || {};
    try {
      await api('POST', '/api/v1/admin/deliveries/' + encodeURIComponent(d.id) + '/retry');
      toast(T.t('admin.dl.retried', { to: r.name || r.email }));
      return true;
    } catch (err) {
      button.removeAttribute('aria-disabled');
      if (err.status === 401) return false;
      toast(err.status === 409 ? T.t('admin.dl.not_failed') : failure(err));
      return err.status === 409;
    }
  }

  function forwardingSection(c) {
    const all = c.deliveries || [];
    const regulator = all.filter((d) => d.kind === 'regulator');
    const notices = all.filter((d) => d.kind !== 'regulator');
    const refresh = el('button', { type: 'button', className: 'small', id: 'forwarding-refresh', text: T.t('admin.refresh') });
    refresh.addEventListener('click', () => refreshCase(true));
    let lead;
    if (!regulator.length) lead = T.t(c.status === 'validated' ? 'admin.fwd.none_validated' : 'admin.fwd.none');
    else if (regulator.some((d) => d.status === 'failed')) lead = T.t(c.status === 'validated' ? 'admin.fwd.failed' : 'admin.fwd.failed_later');
    else if (regulator.every((d) => d.status === 'accepted')) lead = T.t('admin.fwd.done', { n: regulator.length });
    else lead = T.t('admin.fwd.sending', { n: regulator.length });
    const onRetry = async (d, button) => {
      if (await retryDelivery(d, button)) await refreshCase(true, true);
    };
    const hint = pollHint();
    return el('section', { className: 'card forwarding', id: 'forwarding', 'aria-labelledby': 'forwarding-heading' }, [
      el('div', { className: 'section-head' }, [
        el('h3', { id: 'forwarding-heading', tabindex: '-1', text: T.t('admin.fwd.title') }),
        refresh
      ]),
      el('p', { className: 'forwarding-lead', id: 'forwarding-lead', text: lead }),
      hint ? el('p', { className: 'hint', id: 'forwarding-auto', text: hint }) : null,
      regulator.length ? el('ul', { className: 'delivery-list', id: 'regulator-deliveries', 'aria-label': T.t('admin.fwd.list') },
        regulator.map((d) => deliveryItem(d, { onRetry }))) : null,
      notices.length ? el('details', { className: 'notices', id: 'notices-details' }, [
        el('summary', { text: T.t('admin.fwd.notices', { n: notices.length }) }),
        el('ul', { className: 'delivery-list', id: 'notice-deliveries' }, notices.map((d) => deliveryItem(d, { showKind: true, compact: true, onRetry })))
      ]) : null
    ]);
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

  // ---- fraud signals and priority ---------------------------------------------------

  /** Related cases shown as links under a signal; the rest are counted. */
  const RELATED_SHOWN = 12;

  function priorityScoreNode(c) {
    const p = c.priority;
    if (p === null || p === undefined || signalsPending(c)) return '—';
    if (typeof p === 'number') return priorityBadge(p);
    return priorityBadge(p.score);
  }

  function merchantLink(c, id) {
    if (c.merchant_id === null || c.merchant_id === undefined) return null;
    return el('a', {
      href: '#/merchant/' + encodeURIComponent(c.merchant_id), id: id || null, className: 'merchant-link',
      'aria-label': T.t('admin.merchant.link.label', { name: c.merchant_name }), text: T.t('admin.merchant.link') + ' →'
    });
  }

  function signalItem(sig) {
    const related = sig.related || [];
    const links = [];
    related.slice(0, RELATED_SHOWN).forEach((ref, i) => {
      if (i) links.push(T.lang() === 'en' ? ', ' : '、');
      links.push(el('a', { href: '#/case/' + encodeURIComponent(ref), className: 'mono ref-link', 'data-related': ref, text: ref }));
    });
    if (related.length > RELATED_SHOWN) links.push(' ' + T.t('admin.sig.related.more', { n: related.length }));
    return el('li', { className: 'signal sev-' + sig.severity, 'data-testid': 'signal', 'data-code': sig.code, 'data-severity': sig.severity }, [
      el('div', { className: 'signal-head' }, [
        severityBadge(sig.severity),
        el('strong', { className: 'signal-name', text: signalLabel(sig.code) })
      ]),
      el('p', { className: 'signal-explanation', text: explanationText(sig.explanation) }),
      related.length ? el('p', { className: 'signal-related' }, [el('span', { className: 'fact-label', text: T.t('admin.sig.related') })].concat(links)) : null
    ]);
  }

  /**
   * A priority reason in the current language. The server words a signal's reason with its
   * code ("signal duplicate_evidence (high)"): those get the signal's label instead.
   */
  function reasonText(r) {
    const m = /^signal ([a-z_]+) \((low|medium|high)\)$/.exec((r.explanation && r.explanation.en) || '');
    if (m && SIGNAL_CODES.includes(m[1])) return T.t('admin.prio.signal', { signal: signalLabel(m[1]), severity: T.t('severity.' + m[2]) });
    return explanationText(r.explanation);
  }

  function priorityPanel(c) {
    const p = c.priority && typeof c.priority === 'object' ? c.priority : { score: c.priority, reasons: [] };
    const computed = !!p.computed_at;
    const reasons = p.reasons || [];
    const reporters = p.independent_reporters;
    const sum = reasons.reduce((acc, r) => acc + (Number(r.points) || 0), 0);
    let reasonsNode;
    if (reasons.length) {
      reasonsNode = el('ul', { className: 'prio-reasons', id: 'priority-reasons' }, reasons.map((r) => el('li', { 'data-testid': 'priority-reason' }, [
        el('span', { className: 'points', text: '+' + r.points }),
        el('span', { className: 'reason-text', text: reasonText(r) })
      ])));
    } else reasonsNode = el('p', { className: 'hint', id: 'priority-reasons', text: T.t(computed ? 'admin.prio.none' : 'admin.prio.pending') });
    return el('div', { className: 'priority-panel', id: 'priority', 'data-testid': 'priority' }, [
      el('div', { className: 'prio-head' }, [
        el('span', { className: 'prio-title', text: T.t('admin.prio.title') }),
        el('span', { className: 'prio-score' }, [
          computed ? priorityBadge(p.score, 'big') : el('span', { className: 'prio p-low big pending', text: '—' }),
          ' ', el('span', { className: 'hint', text: T.t('admin.prio.of') })
        ])
      ]),
      el('p', { className: 'prio-reporters' }, [
        el('span', { className: 'fact-label', text: T.t('admin.prio.reporters') + colon() }),
        el('strong', { id: 'independent-reporters', text: reporters === null || reporters === undefined ? '—' : T.t('admin.prio.reporters.n', { n: reporters }) })
      ]),
      el('h4', { text: T.t('admin.prio.reasons') }),
      reasonsNode,
      sum > 100 ? el('p', { className: 'hint small prio-capped', text: T.t('admin.prio.capped', { sum }) }) : null,
      computed ? el('p', { className: 'hint small prio-computed' }, [T.t('admin.prio.computed') + ' ', timeEl(p.computed_at)]) : null,
      p.recomputing ? el('p', { className: 'hint small prio-recomputing', id: 'priority-recomputing', text: T.t('admin.prio.recomputing') }) : null
    ]);
  }

  /** What the server found about the case, why it ranks where it does, and a way to its merchant. */
  function signalsSection(c) {
    const computing = signalsPending(c);
    const signals = (c.signals || []).slice().sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
    let refresh = null;
    if (computing) {
      refresh = el('button', { type: 'button', className: 'small', id: 'signals-refresh', text: T.t('admin.refresh') });
      refresh.addEventListener('click', () => refreshCase(true));
    }
    const status = computing ? el('p', {
      className: 'signals-status' + (state.poll.signalsPaused ? '' : ' busy'), id: 'signals-status', role: 'status',
      text: T.t(state.poll.signalsPaused ? 'admin.sig.paused' : 'admin.sig.computing')
    }) : null;
    let list = null;
    if (signals.length) list = el('ul', { className: 'signal-list', id: 'signal-list', 'aria-label': T.t('admin.sig.list') }, signals.map(signalItem));
    else if (!computing) list = el('p', { className: 'signals-none', id: 'signals-none', text: T.t('admin.sig.none') });
    return el('section', { className: 'card signals', id: 'signals', 'aria-labelledby': 'signals-heading', 'aria-busy': computing ? 'true' : null }, [
      el('div', { className: 'section-head' }, [
        el('h3', { id: 'signals-heading', tabindex: '-1' }, [
          T.t('admin.sig.title'),
          signals.length ? el('span', { className: 'count-pill', title: T.t('admin.sig.count', { n: signals.length }), text: String(signals.length) }) : null
        ]),
        el('div', { className: 'section-tools' }, [refresh, merchantLink(c, 'merchant-link')])
      ]),
      status,
      el('div', { className: 'signals-body' }, [
        el('div', { className: 'signals-main' }, [list]),
        priorityPanel(c)
      ])
    ]);
  }

  function reportSection(c) {
    const dl = el('dl', { className: 'details' });
    detailRow(dl, 'f.category', vocab('categories', c.category));
    detailRow(dl, 'f.platform', vocab('platforms', c.platform));
    detailRow(dl, 'f.merchant_name', el('span', { className: 'merchant-cell' }, [
      el('span', { id: 'case-merchant-name', text: c.merchant_name }), ' ', merchantLink(c)
    ]));
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

  const AUDIT_ACTIONS = ['case.view_contact', 'evidence.download', 'case.transition', 'case.note', 'case.assign', 'case.reply', 'delivery.retry', 'reporter.unsubscribe'];

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
      ? el('input', { type: 'text', id, name, 'data-field': true, autocomplete: 'off', list: opts.list ? id + '-list' : null, required: !!opts.required, 'aria-describedby': opts.hint ? id + '-hint' : null })
      : el('textarea', { id, name, 'data-field': true, rows: String(opts.rows || 4), required: !!opts.required, 'aria-describedby': opts.hint ? id + '-hint' : null });
    return el('div', { className: 'field' }, [
      el('label', { 'for': id }, [T.t(labelKey), opts.required ? el('span', { className: 'req', 'aria-hidden': 'true', text: '*' }) : null]),
      opts.hint ? el('p', { className: 'hint', id: id + '-hint', text: T.t(opts.hint) }) : null,
      control,
      opts.list ? el('datalist', { id: id + '-list' }, opts.list.map((v) => el('option', { value: v }))) : null,
      el('p', { className: 'field-error', id: 'error-' + id })
    ]);
  }

  /**
   * Opens the dialog: {title, text, fields: [[name, labelKey, opts]], ok, danger, run(values)};
   * optionally `extra` (a node shown above the fields), `collect(values)` (adds to the values,
   * returns the control to focus when something is wrong) and `placeError(fieldError)`
   * ({control, error, text} for a server error the fields do not cover).
   */
  function openDialog(spec) {
    const dialog = $('confirm-dialog');
    state.returnFocus = document.activeElement;
    $('confirm-title').textContent = spec.title;
    $('confirm-text').textContent = spec.text;
    const fields = $('confirm-fields');
    QL.clear(fields);
    if (spec.extra) fields.appendChild(spec.extra);
    (spec.fields || []).forEach(([name, key, opts]) => fields.appendChild(dialogField(name, key, opts)));
    $('confirm-error').hidden = true;
    const ok = $('confirm-ok');
    ok.textContent = spec.ok;
    ok.className = spec.danger ? 'danger-solid' : 'primary';
    ok.disabled = false;
    state.pending = spec;
    dialog.showModal();
    const first = fields.querySelector('[data-field]');
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
    $('confirm-fields').querySelectorAll('[data-field]').forEach((c) => {
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
    if (spec.collect) invalid = spec.collect(values) || invalid;
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
        const placed = placeFieldErrors(QL.problemErrors(err.body), (fe) => {
          const control = $('confirm-' + fe.field);
          if (control && control.hasAttribute('data-field')) return { control, error: $('error-confirm-' + fe.field), text: dialogErrorText(fe) };
          return spec.placeError ? spec.placeError(fe) : null;
        });
        if (placed) placed.focus();
        else dialogError(failure(err));
        $('confirm-ok').disabled = false;
      }
    }
    if (!keepOpen && $('confirm-dialog').open) $('confirm-dialog').close();
  });

  /**
   * Shows server field errors next to their controls: `place(fe)` gives {control, error, text}
   * or null. Several errors on one control are joined. Returns the control to focus (the first
   * placed), or null when none could be placed.
   */
  function placeFieldErrors(errors, place) {
    const byError = new Map();
    let first = null;
    errors.forEach((fe) => {
      const spot = place(fe);
      if (!spot || !spot.error) return;
      const entry = byError.get(spot.error) || { control: spot.control, texts: [] };
      entry.texts.push(spot.text || QL.errorText(fe) || fe.message);
      byError.set(spot.error, entry);
      first = first || spot.focus || spot.control;
    });
    byError.forEach((entry, error) => QL.setFieldError(entry.control, error, entry.texts));
    return first;
  }

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
    let routing = null;
    if (to === 'validated') {
      routing = routingPicker(c);
      fields = [
        ['reason', 'admin.fld.validation_reason', { hint: 'admin.fld.validation_reason.hint' }],
        ['public_note', 'admin.fld.public_note', { hint: 'admin.fld.public_note.hint', rows: 2 }]
      ];
    } else if (to === 'rejected') fields = [['reason', 'admin.fld.reason', { required: true, hint: 'admin.fld.reason.hint' }]];
    else if (to === 'needs_info') fields = [['public_note', 'admin.fld.question', { required: true, hint: 'admin.fld.question.hint' }]];
    else if (to === 'duplicate') {
      fields = [
        ['duplicate_of', 'admin.fld.duplicate_of', { required: true, input: true, hint: 'admin.fld.duplicate_of.hint', list: (c.related || []).map((r) => r.reference) }],
        ['reason', 'admin.fld.internal_reason', { hint: 'admin.fld.internal_reason.hint' }]
      ];
    } else fields = [['public_note', 'admin.fld.public_note', { hint: 'admin.fld.public_note.hint' }]];
    const spec = {
      title: label,
      text: T.t('admin.confirm.text', { ref: c.reference, from: QL.statusLabel(from), to: QL.statusLabel(to) }),
      fields,
      extra: routing ? routing.node : null,
      collect: routing ? routing.collect : null,
      placeError: routing ? routing.placeError : null,
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
        if (values.regulator_ids) body.regulator_ids = values.regulator_ids;
        const res = await api('POST', '/api/v1/cases/' + encodeURIComponent(c.reference) + '/transitions', body);
        const item = state.queue.items.find((i) => i.reference === c.reference);
        if (item) item.status = res.status;
        toast(T.t(res.status === 'validated' ? 'admin.moved.validated' : 'admin.moved', { ref: c.reference, status: QL.statusLabel(res.status) }));
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
    };
    openDialog(spec);
    if (routing) routing.load(spec);
  }

  // ---- where a validated case goes ------------------------------------------------

  function listText(items) {
    return items.join(T.lang() === 'en' ? ', ' : '、');
  }

  /** "all provinces" or the names, shortened after `max`. */
  function coverageText(codes, list, allKey, max) {
    if (!codes || !codes.length) return T.t(allKey);
    const names = codes.map((code) => vocab(list, code));
    if (max && names.length > max) return T.t('admin.reg.more', { list: listText(names.slice(0, max)), n: names.length });
    return listText(names);
  }

  function recipientNode(name, email) {
    return el('span', { className: 'recipient' }, [
      el('span', { className: 'recipient-name', text: name || email }),
      name ? el('span', { className: 'recipient-email', text: email }) : null
    ]);
  }

  /**
   * The routing block of the validate dialog: where the case goes by the directory's rules,
   * and the active directory entries to choose instead. `regulator_ids` is sent only when the
   * moderator changed the selection.
   */
  function routingPicker(c) {
    // Live: the recipients are announced when they arrive, and again as the ticks change them.
    const summary = el('div', { className: 'routing-summary', id: 'routing-summary', 'aria-live': 'polite' }, [
      el('p', { className: 'hint', text: T.t('admin.route.loading') })
    ]);
    const error = el('p', { className: 'field-error', id: 'error-confirm-regulator_ids' });
    const choices = el('div', { className: 'routing-choices' });
    const node = el('div', { className: 'routing', id: 'routing', 'data-testid': 'routing' }, [
      el('h3', { className: 'routing-title', text: T.t('admin.route.title') }), summary, choices, error
    ]);
    let data = null;
    let initial = [];
    let fieldset = null;

    function ticked() {
      return fieldset ? Array.from(fieldset.querySelectorAll('input[type=checkbox]:checked')).map((b) => Number(b.value)) : initial;
    }

    function changed() {
      const now = ticked();
      return now.length !== initial.length || now.some((id) => !initial.includes(id));
    }

    function line(name, email, extra) {
      return el('li', {}, [recipientNode(name, email), extra ? el('span', { className: 'tag', text: extra }) : null]);
    }

    function renderSummary() {
      QL.clear(summary);
      if (!data) return;
      const where = listText([
        data.merchant_province ? vocab('provinces', data.merchant_province) : T.t('admin.route.no_province'),
        vocab('categories', data.category)
      ]);
      if (!changed()) {
        if (data.default_inbox) {
          const inbox = data.targets[0] || {};
          summary.appendChild(el('p', { text: T.t('admin.route.default', { where }) }));
          summary.appendChild(el('ul', { className: 'recipients', 'data-testid': 'routing-targets' }, [line(inbox.name, inbox.email, T.t('admin.route.inbox_tag'))]));
        } else {
          summary.appendChild(el('p', { text: T.t('admin.route.matched', { where, n: data.targets.length }) }));
          summary.appendChild(el('ul', { className: 'recipients', 'data-testid': 'routing-targets' }, data.targets.map((t) => line(t.name, t.email))));
        }
        return;
      }
      const chosen = data.directory.filter((r) => ticked().includes(r.id));
      if (!chosen.length) {
        summary.appendChild(el('p', { className: 'routing-warning', text: T.t('admin.route.nothing') }));
        return;
      }
      summary.appendChild(el('p', { text: T.t('admin.route.override', { n: chosen.length }) }));
      summary.appendChild(el('ul', { className: 'recipients', 'data-testid': 'routing-targets' }, chosen.map((r) => line(r.name, r.email, T.t('admin.route.override_tag')))));
    }

    function renderChoices() {
      QL.clear(choices);
      fieldset = null;
      if (!data.directory.length) {
        choices.appendChild(el('p', { className: 'hint', text: T.t('admin.route.directory_empty') }));
        return;
      }
      const reset = el('button', { type: 'button', className: 'small', id: 'routing-reset', text: T.t('admin.route.reset'), hidden: true });
      const items = data.directory.map((r) => {
        const id = 'route-' + r.id;
        const box = el('input', { type: 'checkbox', id, value: String(r.id), 'data-regulator-id': String(r.id) });
        box.checked = initial.includes(r.id);
        const matched = initial.includes(r.id);
        return el('div', { className: 'check routing-choice' }, [
          box,
          el('label', { 'for': id }, [
            el('span', { className: 'recipient-name', text: r.name }), ' ',
            matched ? el('span', { className: 'tag', text: T.t('admin.route.matched_tag') }) : null,
            el('span', { className: 'hint block', text: r.email }),
            el('span', { className: 'hint block', text: coverageText(r.provinces, 'provinces', 'admin.reg.all_provinces', 4) + ' · ' + coverageText(r.categories, 'categories', 'admin.reg.all_categories', 3) })
          ])
        ]);
      });
      fieldset = el('fieldset', { className: 'routing-fieldset', id: 'routing-fieldset', 'aria-describedby': 'routing-choose-hint' }, [
        el('legend', { text: T.t('admin.route.choose') }),
        el('p', { className: 'hint', id: 'routing-choose-hint', text: T.t(initial.length ? 'admin.route.choose.hint' : 'admin.route.choose.hint_inbox') }),
        el('div', { className: 'routing-list' }, items),
        reset
      ]);
      fieldset.addEventListener('change', () => {
        reset.hidden = !changed();
        error.textContent = '';
        fieldset.removeAttribute('aria-invalid');
        renderSummary();
      });
      reset.addEventListener('click', () => {
        fieldset.querySelectorAll('input[type=checkbox]').forEach((b) => { b.checked = initial.includes(Number(b.value)); });
        reset.hidden = true;
        error.textContent = '';
        fieldset.removeAttribute('aria-invalid');
        renderSummary();
        const first = fieldset.querySelector('input');
        if (first) first.focus();
      });
      choices.appendChild(fieldset);
    }

    async function load(spec) {
      try {
        const res = await api('GET', '/api/v1/cases/' + encodeURIComponent(c.reference) + '/routing');
        if (state.pending !== spec) return;
        data = res;
        initial = res.default_inbox ? [] : res.targets.map((t) => t.regulator_id).filter((id) => id !== null);
        renderChoices();
        renderSummary();
      } catch (err) {
        if (state.pending !== spec || err.status === 401) return;
        QL.clear(summary);
        summary.appendChild(el('p', { className: 'field-error', text: T.t('admin.route.failed', { error: failure(err) }) }));
      }
    }

    function collect(values) {
      error.textContent = '';
      if (!data || !fieldset || !changed()) return null;
      const ids = ticked();
      if (!ids.length) {
        QL.setFieldError(fieldset, error, [T.t('admin.route.none')]);
        return fieldset.querySelector('input');
      }
      values.regulator_ids = ids;
      return null;
    }

    function placeError(fe) {
      const m = /^regulator_ids(?:\[(\d+)\])?$/.exec(fe.field || '');
      if (!m) return null;
      let text = QL.errorText(fe) || fe.message;
      if (m[1] !== undefined && fe.code === 'not_found') {
        const id = ticked()[Number(m[1])];
        const entry = data && data.directory.find((r) => r.id === id);
        text = T.t('admin.route.gone', { name: entry ? entry.name : '#' + id });
      } else if (fe.code === 'required') text = T.t('admin.route.none');
      return {
        control: fieldset || node,
        error,
        text,
        focus: fieldset ? fieldset.querySelector('input') : null
      };
    }

    return { node, load, collect, placeError };
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

  // ---- merchants ------------------------------------------------------------------

  const MERCHANT_FILTERS = ['platform', 'province', 'sort'];
  const MERCHANTS_PAGE = 50;

  function merchantsHash(filters) {
    const p = new URLSearchParams();
    MERCHANT_FILTERS.forEach((k) => { if (filters[k]) p.set(k, filters[k]); });
    const s = p.toString();
    return '#/merchants' + (s ? '?' + s : '');
  }

  function fillMerchantFilters() {
    const all = [['', T.t('admin.f.all')]];
    const m = state.meta || { platforms: [], provinces: [] };
    fillSelect($('m-platform'), all.concat(m.platforms.map((i) => [i.code, T.label(i)])));
    fillSelect($('m-province'), all.concat(m.provinces.map((i) => [i.code, T.label(i)])));
    writeMerchantFilters(state.merchants.filters);
  }

  function writeMerchantFilters(filters) {
    $('m-platform').value = filters.platform || '';
    $('m-province').value = filters.province || '';
    $('m-sort').value = filters.sort || 'reports';
  }

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

  async function openMerchants(params, focus) {
    showView('merchants-view');
    document.title = T.t('admin.m.title') + ' · ' + T.t('admin.title');
    const filters = {};
    MERCHANT_FILTERS.forEach((k) => { filters[k] = params.get(k) || ''; });
    state.merchants.filters = filters;
    writeMerchantFilters(filters);
    if (focus) $('merchants-heading').focus();
    await loadMerchants(true);
  }

  async function loadMerchants(reset) {
    const m = state.merchants;
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
    QL.clear(body);
    const heads = merchantHeads();
    state.merchants.items.forEach((m) => body.appendChild(merchantRow(m, heads)));
    renderMerchantsMeta();
  }

  function renderMerchantsMeta() {
    const m = state.merchants;
    $('merchants-empty').hidden = m.loading || !m.loaded || m.items.length > 0;
    $('merchants-more').hidden = !m.next;
    $('merchants-summary').textContent = m.items.length
      ? T.t(m.next ? 'admin.m.shown.more' : 'admin.m.shown', { n: m.items.length })
      : '';
  }

  function merchantsBackLink() {
    return el('a', { href: merchantsHash(state.merchants.filters || {}), className: 'back-link', text: '← ' + T.t('admin.m.back') });
  }

  async function openMerchant(id, focus) {
    showView('merchant-view');
    const view = $('merchant-view');
    const st = state.merchant;
    const seq = ++st.seq;
    if (!st.data || String(st.data.id) !== String(id)) {
      QL.clear(view);
      view.appendChild(el('p', { className: 'hint loading', text: T.t('admin.loading') }));
    }
    try {
      const data = await api('GET', '/api/v1/merchants/' + encodeURIComponent(id));
      if (seq !== st.seq) return;
      st.data = data;
      document.title = data.name + ' · ' + T.t('admin.title');
      renderMerchant(false);
      if (focus) $('merchant-heading').focus();
    } catch (err) {
      if (seq !== st.seq || err.status === 401) return;
      st.data = null;
      QL.clear(view);
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

  function sortedCounts(counts) {
    return Object.keys(counts || {}).map((code) => [code, counts[code]])
      .sort((a, b) => b[1] - a[1] || SIGNAL_CODES.indexOf(a[0]) - SIGNAL_CODES.indexOf(b[0]));
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
    const m = state.merchant.data;
    if (!m) return;
    const view = $('merchant-view');
    const y = window.scrollY;
    QL.clear(view);
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

  // ---- the regulator directory (admins) ---------------------------------------

  async function openRegulators(focus) {
    showView('regulators-view');
    document.title = T.t('admin.reg.title') + ' · ' + T.t('admin.title');
    if (!$('reg-provinces-choices').firstChild) {
      buildRegulatorChoices();
      resetRegulatorForm();
    }
    if (focus) $('regulators-heading').focus();
    await loadRegulators();
  }

  async function loadRegulators() {
    try {
      const data = await api('GET', '/api/v1/admin/regulators');
      state.regulators.items = data.items;
      state.regulators.inbox = data.default_inbox;
      state.regulators.loaded = true;
      renderRegulators();
      notice('');
    } catch (err) {
      if (err.status !== 401) notice(failure(err));
    }
  }

  /** The province and category checkboxes, from /api/v1/meta (their ticks survive a language switch). */
  function buildRegulatorChoices() {
    const m = state.meta || { provinces: [], categories: [] };
    const fill = (box, name, list) => {
      const ticked = new Set(checkedValues(box));
      QL.clear(box);
      list.forEach((item, i) => {
        const id = 'reg-' + name + '-' + i;
        const input = el('input', { type: 'checkbox', id, name, value: item.code });
        input.checked = ticked.has(item.code);
        box.appendChild(el('div', { className: 'check' }, [input, el('label', { 'for': id, text: T.label(item) })]));
      });
    };
    fill($('reg-provinces-choices'), 'provinces', m.provinces);
    fill($('reg-categories-choices'), 'categories', m.categories);
    if (!state.meta) {
      $('reg-form-error').textContent = T.t('err.meta');
      $('reg-form-error').hidden = false;
    }
    updateChoiceHints();
  }

  function checkedValues(box) {
    return Array.from(box.querySelectorAll('input[type=checkbox]:checked')).map((b) => b.value);
  }

  function setChecked(box, values) {
    box.querySelectorAll('input[type=checkbox]').forEach((b) => { b.checked = values.includes(b.value); });
  }

  function sameSet(a, b) {
    return a.length === b.length && a.every((v) => b.includes(v));
  }

  function updateChoiceHints() {
    const p = checkedValues($('reg-provinces-choices')).length;
    $('reg-provinces-hint').textContent = p ? T.t('admin.reg.provinces.some', { n: p }) : T.t('admin.reg.provinces.all');
    const c = checkedValues($('reg-categories-choices')).length;
    $('reg-categories-hint').textContent = c ? T.t('admin.reg.categories.some', { n: c }) : T.t('admin.reg.categories.all');
    $('reg-provinces-clear').disabled = !p;
  }

  function renderRegulatorFormMode() {
    const editing = state.regulators.editing;
    $('reg-form-heading').textContent = editing ? T.t('admin.reg.edit.title', { name: editing.name }) : T.t('admin.reg.add');
    $('reg-submit').textContent = T.t(editing ? 'admin.reg.save' : 'admin.reg.create');
    $('reg-cancel').hidden = !editing;
    $('reg-form').classList.toggle('editing', !!editing);
  }

  function resetRegulatorForm() {
    state.regulators.editing = null;
    $('reg-form').reset();
    QL.clearFieldErrors($('reg-form'));
    if (state.meta) $('reg-form-error').hidden = true;
    renderRegulatorFormMode();
    updateChoiceHints();
  }

  function editRegulator(r) {
    resetRegulatorForm();
    state.regulators.editing = r;
    $('reg-name').value = r.name;
    $('reg-email').value = r.email;
    setChecked($('reg-provinces-choices'), r.provinces);
    setChecked($('reg-categories-choices'), r.categories);
    $('reg-active').checked = r.active;
    renderRegulatorFormMode();
    updateChoiceHints();
    $('reg-form').scrollIntoView({ block: 'start' });
    $('reg-name').focus({ preventScroll: true });
  }

  function focusRow(attr, id) {
    const target = $('regulators-rows').querySelector('[' + attr + '="' + id + '"]');
    if (target) target.focus();
    else $('regulators-heading').focus();
  }

  $('reg-provinces').addEventListener('change', updateChoiceHints);
  $('reg-categories').addEventListener('change', updateChoiceHints);
  $('reg-provinces-clear').addEventListener('click', () => {
    setChecked($('reg-provinces-choices'), []);
    updateChoiceHints();
    const first = $('reg-provinces-choices').querySelector('input');
    if (first) first.focus();
  });
  $('reg-cancel').addEventListener('click', () => {
    const editing = state.regulators.editing;
    resetRegulatorForm();
    if (editing) focusRow('data-edit', editing.id);
  });

  function renderRegulators() {
    const st = state.regulators;
    const inbox = st.inbox || {};
    const address = $('default-inbox-address');
    QL.clear(address);
    if (inbox.email) address.appendChild(recipientNode(inbox.name, inbox.email));
    const rows = $('regulators-rows');
    QL.clear(rows);
    const active = st.items.filter((r) => r.active).length;
    $('regulators-empty').hidden = st.items.length > 0;
    $('regulators-summary').textContent = st.items.length ? T.t('admin.reg.count', { n: st.items.length, active }) : '';
    const heads = ['admin.reg.name', 'admin.reg.email', 'admin.reg.provinces', 'admin.reg.categories', 'admin.users.state'].map((k) => T.t(k));
    st.items.forEach((r) => {
      const edit = el('button', { type: 'button', className: 'small', 'data-edit': String(r.id), 'aria-label': T.t('admin.reg.edit.label', { name: r.name }), text: T.t('admin.reg.edit') });
      edit.addEventListener('click', () => editRegulator(r));
      const toggle = el('button', {
        type: 'button', className: 'small', 'data-toggle': String(r.id),
        'aria-label': T.t(r.active ? 'admin.reg.deactivate.label' : 'admin.reg.activate.label', { name: r.name }),
        text: T.t(r.active ? 'admin.reg.deactivate' : 'admin.reg.activate')
      });
      toggle.addEventListener('click', () => setRegulatorActive(r, !r.active, toggle));
      const remove = el('button', { type: 'button', className: 'small danger', 'data-delete': String(r.id), 'aria-label': T.t('admin.reg.delete.label', { name: r.name }), text: T.t('admin.reg.delete') });
      remove.addEventListener('click', () => deleteRegulator(r));
      rows.appendChild(el('tr', { 'data-testid': 'regulator-row', 'data-regulator-id': String(r.id), className: r.active ? '' : 'inactive' }, [
        el('th', { scope: 'row', className: 'reg-name', 'data-label': heads[0], text: r.name }),
        el('td', { className: 'reg-email', 'data-label': heads[1], text: r.email }),
        el('td', { 'data-label': heads[2], text: coverageText(r.provinces, 'provinces', 'admin.reg.all_provinces', 8) }),
        el('td', { 'data-label': heads[3], text: coverageText(r.categories, 'categories', 'admin.reg.all_categories') }),
        el('td', { 'data-label': heads[4] }, [el('span', { className: 'badge ' + (r.active ? 's-active' : 's-closed-off'), text: T.t(r.active ? 'admin.reg.on' : 'admin.reg.off') })]),
        el('td', { className: 'row-actions' }, [edit, toggle, remove])
      ]));
    });
  }

  async function setRegulatorActive(r, active, button) {
    button.disabled = true;
    try {
      await api('PATCH', '/api/v1/admin/regulators/' + encodeURIComponent(r.id), { active });
      toast(T.t(active ? 'admin.reg.activated' : 'admin.reg.deactivated', { name: r.name }));
      await loadRegulators();
      focusRow('data-toggle', r.id);
    } catch (err) {
      button.disabled = false;
      if (err.status === 401) return;
      toast(failure(err));
      if (err.status === 404) await loadRegulators();
    }
  }

  function deleteRegulator(r) {
    openDialog({
      title: T.t('admin.reg.delete.title'),
      text: T.t('admin.reg.delete.text', { name: r.name, email: r.email }),
      ok: T.t('admin.reg.delete'),
      danger: true,
      run: async () => {
        await api('DELETE', '/api/v1/admin/regulators/' + encodeURIComponent(r.id));
        toast(T.t('admin.reg.deleted', { name: r.name }));
        if (state.regulators.editing && state.regulators.editing.id === r.id) resetRegulatorForm();
        state.returnFocus = $('regulators-heading');
        await loadRegulators();
      },
      onError: async (err) => {
        if (err.status !== 404) return false;
        dialogError(T.t('admin.reg.gone'));
        $('confirm-ok').disabled = true;
        await loadRegulators();
        return true;
      }
    });
  }

  /** Where a server error on the directory form goes: `provinces[1]` → the provinces group. */
  function regulatorErrorSpot(fe, sent) {
    const m = /^(name|email|provinces|categories|active)(?:\[(\d+)\])?$/.exec(fe.field || '');
    if (!m) return null;
    const field = m[1];
    const error = $('error-reg-' + field);
    let text = QL.errorText(fe) || fe.message;
    const value = m[2] !== undefined && Array.isArray(sent[field]) ? sent[field][Number(m[2])] : null;
    if (field === 'provinces' || field === 'categories') {
      if (value !== null && value !== undefined) text = vocab(field, value) + colon() + text;
      const group = $('reg-' + field);
      const box = value ? group.querySelector('input[value="' + CSS.escape(value) + '"]') : null;
      return { control: group, error, text, focus: box || group.querySelector('input') };
    }
    return { control: $('reg-' + field), error, text };
  }

  $('reg-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = $('reg-form');
    QL.clearFieldErrors(form);
    $('reg-form-error').hidden = true;
    const values = {
      name: $('reg-name').value.trim(),
      email: $('reg-email').value.trim(),
      provinces: checkedValues($('reg-provinces-choices')),
      categories: checkedValues($('reg-categories-choices')),
      active: $('reg-active').checked
    };
    let bad = null;
    if (!values.name || QL.charCount(values.name) > 200) {
      QL.setFieldError($('reg-name'), $('error-reg-name'), [values.name ? T.t('v.max', { max: 200 }) : T.t('code.required')]);
      bad = $('reg-name');
    }
    // Only the obvious here: the server decides what an acceptable address is.
    if (!/^[^\s@]+@[^\s@]+$/.test(values.email)) {
      QL.setFieldError($('reg-email'), $('error-reg-email'), [T.t(values.email ? 'code.email' : 'code.required')]);
      bad = bad || $('reg-email');
    }
    if (bad) {
      bad.focus();
      return;
    }
    const editing = state.regulators.editing;
    let body = values;
    if (editing) {
      body = {};
      if (values.name !== editing.name) body.name = values.name;
      if (values.email !== editing.email) body.email = values.email;
      if (!sameSet(values.provinces, editing.provinces)) body.provinces = values.provinces;
      if (!sameSet(values.categories, editing.categories)) body.categories = values.categories;
      if (values.active !== editing.active) body.active = values.active;
      if (!Object.keys(body).length) {
        toast(T.t('admin.reg.unchanged'));
        return;
      }
    }
    $('reg-submit').disabled = true;
    try {
      const saved = editing
        ? await api('PATCH', '/api/v1/admin/regulators/' + encodeURIComponent(editing.id), body)
        : await api('POST', '/api/v1/admin/regulators', body);
      toast(T.t(editing ? 'admin.reg.saved' : 'admin.reg.created', { name: saved.name }));
      resetRegulatorForm();
      await loadRegulators();
      if (editing) focusRow('data-edit', saved.id);
      else $('reg-name').focus();
    } catch (err) {
      if (err.status === 401) return;
      const placed = placeFieldErrors(QL.problemErrors(err.body), (fe) => regulatorErrorSpot(fe, body));
      if (placed) placed.focus();
      else {
        const box = $('reg-form-error');
        box.textContent = err.status === 404 && editing ? T.t('admin.reg.gone') : failure(err);
        box.hidden = false;
        if (err.status === 404) await loadRegulators();
      }
    } finally {
      $('reg-submit').disabled = false;
    }
  });

  // ---- the mail outbox (admins) ---------------------------------------------------

  const DELIVERY_FILTERS = ['failed', 'pending', 'accepted', 'cancelled', 'all'];
  const OUTBOX_PAGE = 50;

  function fillDeliveryFilter() {
    fillSelect($('d-status'), DELIVERY_FILTERS.map((s) => [s, T.t('delivery.filter.' + s)]));
    $('d-status').value = state.deliveries.status;
  }

  async function openDeliveries(params, focus) {
    showView('deliveries-view');
    document.title = T.t('admin.out.title') + ' · ' + T.t('admin.title');
    const status = params.get('status') || 'failed';
    state.deliveries.status = DELIVERY_FILTERS.includes(status) ? status : 'failed';
    fillDeliveryFilter();
    if (focus) $('deliveries-heading').focus();
    await loadDeliveries(true);
  }

  $('deliveries-filter').addEventListener('submit', (e) => e.preventDefault());
  $('d-status').addEventListener('change', () => {
    const hash = '#/deliveries?status=' + $('d-status').value;
    if (location.hash === hash) loadDeliveries(true);
    else location.hash = hash;
  });
  $('deliveries-refresh').addEventListener('click', () => loadDeliveries(true));
  $('deliveries-more').addEventListener('click', () => loadDeliveries(false));

  async function loadDeliveries(reset) {
    const d = state.deliveries;
    if (!reset && (d.loading || !d.next)) return;
    const seq = ++d.seq;
    d.loading = true;
    $('deliveries-loading').textContent = T.t('admin.loading');
    const p = new URLSearchParams();
    if (d.status !== 'all') p.set('status', d.status);
    p.set('limit', String(OUTBOX_PAGE));
    if (!reset) p.set('before', String(d.next));
    const moreHadFocus = document.activeElement === $('deliveries-more');
    let firstNew = 0;
    try {
      const data = await api('GET', '/api/v1/admin/deliveries?' + p.toString());
      if (seq !== d.seq) return;
      if (reset) d.items = [];
      firstNew = d.items.length;
      d.items = d.items.concat(data.items);
      d.next = data.next_before === null || data.next_before === undefined ? null : data.next_before;
      d.loaded = true;
      renderDeliveries();
      notice('');
    } catch (err) {
      if (seq === d.seq && err.status !== 401) notice(failure(err));
    } finally {
      if (seq === d.seq) {
        d.loading = false;
        $('deliveries-loading').textContent = '';
        renderDeliveriesMeta();
        // The button went away with the last page: keep the keyboard user in the list.
        if (moreHadFocus && $('deliveries-more').hidden) {
          const item = $('deliveries-list').children[firstNew];
          const link = item && item.querySelector('a, button');
          (link || $('deliveries-heading')).focus();
        }
      }
    }
  }

  function outboxItem(d) {
    return deliveryItem(d, {
      showCase: true,
      showKind: true,
      onRetry: async (item, button) => {
        if (!(await retryDelivery(item, button))) return;
        // Sent again: it is pending now (the list keeps it, so the admin sees what happened).
        Object.assign(item, { status: 'pending', attempts: 0, failed_at: null, next_attempt_at: new Date().toISOString() });
        const old = $('deliveries-list').querySelector('[data-delivery-id="' + item.id + '"]');
        const fresh = outboxItem(item);
        if (old) old.replaceWith(fresh);
        const link = fresh.querySelector('a');
        if (link) link.focus();
      }
    });
  }

  function renderDeliveries() {
    const list = $('deliveries-list');
    QL.clear(list);
    state.deliveries.items.forEach((d) => list.appendChild(outboxItem(d)));
    renderDeliveriesMeta();
  }

  function renderDeliveriesMeta() {
    const d = state.deliveries;
    $('deliveries-empty').textContent = T.t('admin.out.empty.' + d.status);
    $('deliveries-empty').hidden = d.loading || !d.loaded || d.items.length > 0;
    $('deliveries-more').hidden = !d.next;
    $('deliveries-summary').textContent = d.items.length
      ? T.t(d.next ? 'admin.out.shown.more' : 'admin.out.shown', { n: d.items.length })
      : '';
  }

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
    if (!$('case-view').hidden) renderCasePreserving();
    if (!$('users-view').hidden) renderUsers();
    if ($('reg-provinces-choices').firstChild) {
      buildRegulatorChoices();
      renderRegulatorFormMode();
      if (state.regulators.loaded) renderRegulators();
    }
    fillDeliveryFilter();
    if (state.deliveries.loaded) renderDeliveries();
    if (state.merchants.loaded) renderMerchants();
    if (!$('merchant-view').hidden) {
      renderMerchant(true);
      if (state.merchant.data) document.title = state.merchant.data.name + ' · ' + T.t('admin.title');
    }
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
