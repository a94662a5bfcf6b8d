/* The status page at /track: the reporter's view of a report (reference +
 * tracking code as a Bearer token, never in a URL) and, while the
 * moderators ask for more, the reply form. Consumer text is set as text only. */
import * as T from './i18n.js';
import * as QL from './common.js';

var $ = QL.$;
var el = QL.el;

var STORE = 'qinglang.track';
var limits = Object.assign({}, QL.DEFAULT_LIMITS);
var meta = null;
var view = null;
var creds = null;
var replyErrors = [];
var sending = false;

// ---- the tab's remembered code (sessionStorage only) -----------------

function stored() {
  try { return QL.parseJson(sessionStorage.getItem(STORE) || 'null'); } catch (e) { return null; }
}
function remember(ref, code) {
  try { sessionStorage.setItem(STORE, JSON.stringify({ ref: ref, code: code })); } catch (e) { /* storage off */ }
}
function forget() {
  try { sessionStorage.removeItem(STORE); } catch (e) { /* storage off */ }
}

function canonicalRef(value) {
  var compact = String(value || '').toUpperCase().replace(/[\s-]/g, '');
  return /^QL[0-9A-Z]{8}$/.test(compact) ? 'QL-' + compact.slice(2, 6) + '-' + compact.slice(6) : String(value || '').trim();
}

// ---- looking a report up ----------------------------------------------

function showNotice(text) {
  var box = $('track-notice');
  box.textContent = text;
  box.hidden = !text;
}

function lookup(opts) {
  opts = opts || {};
  var ref = canonicalRef($('track-ref').value);
  var code = $('track-code').value.trim();
  QL.clearFieldErrors($('track-form'));
  if (!ref || !code) {
    if (!ref) QL.setFieldError($('track-ref'), $('error-track-ref'), [T.t('code.required')]);
    if (!code) QL.setFieldError($('track-code'), $('error-track-code'), [T.t('code.required')]);
    showNotice(T.t('track.missing'));
    ($('track-ref').value.trim() ? $('track-code') : $('track-ref')).focus();
    return Promise.resolve();
  }
  $('track-ref').value = ref;
  showNotice('');
  if (!opts.keepDone) $('reply-done').hidden = true;
  $('track-loading').textContent = T.t('track.loading');
  $('track-submit').disabled = true;
  return fetch('/api/v1/reports/' + encodeURIComponent(ref), {
    headers: { Accept: 'application/json', Authorization: 'Bearer ' + code },
    cache: 'no-store',
    credentials: 'omit'
  }).then(function (r) {
    return r.text().then(function (text) { return { status: r.status, body: QL.parseJson(text) }; });
  }).then(function (res) {
    if (res.status === 200 && res.body) {
      creds = { ref: res.body.reference, code: code };
      remember(creds.ref, code);
      // Only the reference goes into the address bar.
      history.replaceState(null, '', '/track?ref=' + encodeURIComponent(res.body.reference));
      view = res.body;
      render();
      if (opts.focus) $('status-heading').focus();
    } else {
      view = null;
      creds = null;
      $('track-result').hidden = true;
      if (res.status === 404) {
        forget();
        showNotice(T.t('track.notfound'));
      } else {
        showNotice(T.t('err.server', { status: res.status }));
      }
    }
  }, function () {
    showNotice(T.t('err.network.track'));
  }).then(function () {
    $('track-loading').textContent = '';
    $('track-submit').disabled = false;
  });
}

$('track-form').addEventListener('submit', function (e) {
  e.preventDefault();
  lookup({ focus: true });
});
$('track-refresh').addEventListener('click', function () { lookup(); });

$('toggle-code').addEventListener('click', function () {
  var input = $('track-code');
  var show = input.type === 'password';
  input.type = show ? 'text' : 'password';
  this.setAttribute('aria-pressed', show ? 'true' : 'false');
  this.setAttribute('data-i18n', show ? 'track.hide' : 'track.show');
  this.textContent = T.t(show ? 'track.hide' : 'track.show');
});

// ---- rendering ------------------------------------------------------------

function vocab(list, code) {
  var item = (meta && meta[list] || []).filter(function (i) { return i.code === code; })[0];
  return item ? T.label(item) : code;
}

function row(dl, key, value, opts) {
  if (value === null || value === undefined || value === '') return;
  dl.appendChild(el('dt', { text: T.t(key) }));
  dl.appendChild(el('dd', { className: opts && opts.className }, [value]));
}

function timeNode(iso) {
  return el('time', { datetime: iso, text: QL.formatTime(iso) });
}

function latestQuestion() {
  var asks = (view.timeline || []).filter(function (e) { return e.status === 'needs_info' && e.note; });
  return asks.length ? asks[asks.length - 1].note : '';
}

/** One history entry: a status change, the reporter's own reply, or a regulator's decision. */
function timelineItem(entry) {
  if (entry.kind === 'reply') {
    return el('li', { className: 'own-reply' }, [
      timeNode(entry.at),
      el('strong', { text: T.t('timeline.reply') }),
      el('p', { className: 'note', text: entry.message || '' })
    ]);
  }
  if (entry.kind === 'regulator_response' && entry.response) {
    var r = entry.response;
    var lines = [
      ['response.own_reference', r.own_reference],
      ['response.expected_date', r.expected_date],
      ['response.reason', r.reason],
      ['response.public_summary', r.public_summary]
    ].filter(function (pair) { return pair[1]; }).map(function (pair) {
      return el('p', { className: 'note', text: T.t(pair[0]) + T.t('colon') + pair[1] });
    });
    return el('li', { className: 'regulator-response' }, [
      timeNode(entry.at),
      el('strong', { text: T.t('timeline.response', { regulator: r.regulator, kind: T.label(r.kind_label) }) })
    ].concat(lines));
  }
  return el('li', {}, [
    timeNode(entry.at),
    el('strong', { text: QL.statusLabel(entry.status) }),
    QL.timelineNote(entry) ? el('p', { className: 'note', text: QL.timelineNote(entry) }) : null
  ]);
}

function render() {
  if (!view) return;
  $('track-result').hidden = false;

  var status = $('track-status');
  QL.clear(status);
  status.appendChild(el('span', { className: 'badge s-' + view.status, text: QL.statusLabel(view.status) }));
  $('track-meta').textContent = T.t('d.reference') + ' ' + view.reference + ' · ' +
    T.t('track.updated', { t: QL.formatTime(view.updated_at) });
  var due = $('track-due');
  if (view.deadline && view.deadline.last_day) {
    var parts = view.deadline.last_day.split('-');
    due.textContent = T.t('track.due.' + view.deadline.kind, { month: Number(parts[1]), day: Number(parts[2]) }) +
      (view.deadline.overdue ? T.t('track.due.overdue') : '');
    due.hidden = false;
  } else {
    due.textContent = '';
    due.hidden = true;
  }

  var timeline = $('track-timeline');
  QL.clear(timeline);
  (view.timeline || []).forEach(function (entry) {
    timeline.appendChild(timelineItem(entry));
  });

  var details = $('track-details');
  QL.clear(details);
  row(details, 'd.reference', view.reference, { className: 'mono' });
  row(details, 'd.created_at', QL.formatTime(view.created_at));
  row(details, 'f.category', vocab('categories', view.category));
  row(details, 'f.platform', vocab('platforms', view.platform));
  row(details, 'f.merchant_name', view.merchant_name);
  row(details, 'f.shop_url', view.shop_url);
  row(details, 'f.product_url', view.product_url);
  row(details, 'f.order_id', view.order_id);
  row(details, 'f.province', view.merchant_province ? vocab('provinces', view.merchant_province) : null);
  row(details, 'f.city', view.merchant_city);
  var h = view.hotline;
  if (h) {
    row(details, 'f.hotline_number', h.number, { className: 'mono' });
    row(details, 'f.hotline_brand', h.impersonated_brand);
    row(details, 'f.hotline_found_via', h.found_via ? vocab('found_via', h.found_via) : null);
    row(details, 'f.hotline_found_url', h.found_url);
    row(details, 'f.hotline_search_terms', h.search_terms);
    if (h.technician_visited !== null && h.technician_visited !== undefined) {
      row(details, 'f.hotline_technician', T.t(h.technician_visited ? 'd.hotline.visited' : 'd.hotline.not_visited'));
    }
    if (h.amount_paid_yuan !== null && h.amount_paid_yuan !== undefined) {
      row(details, 'f.hotline_amount', T.t('d.hotline.amount', { yuan: h.amount_paid_yuan.toFixed(2) }));
    }
    row(details, 'f.hotline_province', h.incident_province ? vocab('provinces', h.incident_province) : null);
    row(details, 'f.hotline_city', h.incident_city);
  }
  row(details, 'sec.description', view.description);

  var reviews = $('track-reviews');
  QL.clear(reviews);
  (view.review_texts || []).forEach(function (t) { reviews.appendChild(el('li', { text: t })); });
  $('track-reviews-box').hidden = !(view.review_texts || []).length;

  var l = view.logistics;
  $('track-logistics-box').hidden = !l;
  var ldl = $('track-logistics');
  QL.clear(ldl);
  var events = $('track-events');
  QL.clear(events);
  if (l) {
    row(ldl, 'f.carrier', l.carrier);
    row(ldl, 'f.tracking_number', l.tracking_number, { className: 'mono' });
    row(ldl, 'd.shipped_at', l.shipped_at ? QL.formatTime(l.shipped_at) : null);
    row(ldl, 'd.delivered_at', l.delivered_at ? QL.formatTime(l.delivered_at) : null);
    row(ldl, 'f.weight', l.declared_weight_kg === null || l.declared_weight_kg === undefined ? null : String(l.declared_weight_kg));
    row(ldl, 'f.origin', l.origin);
    row(ldl, 'f.destination', l.destination);
    (l.events || []).forEach(function (ev) {
      events.appendChild(el('tr', {}, [
        el('td', {}, [timeNode(ev.time)]),
        el('td', { text: ev.location || '' }),
        el('td', { text: ev.description || '' })
      ]));
    });
  }
  $('track-events-box').hidden = !(l && (l.events || []).length);

  var reporter = $('track-reporter');
  QL.clear(reporter);
  if (view.reporter) {
    row(reporter, 'f.reporter_name', view.reporter.name);
    row(reporter, 'f.reporter_email', view.reporter.email);
    row(reporter, 'f.reporter_phone', view.reporter.phone);
    row(reporter, 'track.consent', T.t(view.consent_share_contact ? 'yes' : 'no'));
  }
  $('track-reporter-box').hidden = !view.reporter;

  var evidence = $('track-evidence');
  QL.clear(evidence);
  (view.evidence || []).forEach(function (e) {
    var dims = e.width && e.height ? ' · ' + e.width + '×' + e.height : '';
    // data-label: on a phone each row becomes a card with its labels (see app.css).
    evidence.appendChild(el('tr', {}, [
      el('td', { className: 'file-name', 'data-label': T.t('ev.th.name'), text: e.display_name }),
      el('td', { className: 'nowrap', 'data-label': T.t('ev.th.type'), text: e.content_type }),
      el('td', { className: 'nowrap', 'data-label': T.t('ev.th.size'), text: QL.formatBytes(e.size_bytes) + dims }),
      el('td', { className: 'mono sha', 'data-label': T.t('ev.th.sha'), text: e.sha256 })
    ]));
  });
  $('track-noevidence').hidden = (view.evidence || []).length > 0;
  $('track-evidence-box').hidden = !(view.evidence || []).length;

  // A moderator's question (needs_info), or a regulator's that a moderator relayed.
  var relayed = view.open_question;
  var asking = view.status === 'needs_info' || !!relayed;
  $('reply').hidden = !asking;
  if (asking) {
    var question = relayed ? relayed.question : latestQuestion();
    $('reply-question-label').textContent = T.t(relayed ? 'reply.question.regulator' : 'reply.question');
    $('reply-question').textContent = question;
    $('reply-question-box').hidden = !question;
  }
}

// ---- the reply ------------------------------------------------------------

var picker = new QL.FilePicker({
  zone: $('reply-dropzone'),
  input: $('reply-input'),
  list: $('reply-file-list'),
  errorEl: $('error-reply-evidence'),
  limits: function () { return limits; },
  onChange: function () {}
});

function updateCounter() {
  var n = QL.charCount($('reply-message').value.trim());
  var counter = $('reply-counter');
  counter.textContent = T.t('counter', { n: n, max: limits.max_reply_chars });
  counter.classList.toggle('bad', n > limits.max_reply_chars);
}
$('reply-message').addEventListener('input', function () {
  updateCounter();
  if (replyErrors.length && this.getAttribute('aria-invalid')) {
    replyErrors = replyErrors.filter(function (e) { return e.field !== 'message'; })
      .concat(checkMessage());
    renderReplyErrors(false);
  }
});

function checkMessage() {
  var text = $('reply-message').value.trim();
  if (!text) return [{ field: 'message', code: 'required' }];
  if (QL.hasControl(text, true)) return [{ field: 'message', code: 'control_characters' }];
  var n = QL.charCount(text);
  if (n > limits.max_reply_chars) return [{ field: 'message', key: 'v.max', params: { max: limits.max_reply_chars } }];
  return [];
}

function messageOf(e) { return e.key ? T.t(e.key, e.params) : QL.errorText(e) || e.message || ''; }

function renderReplyErrors(summary) {
  var message = replyErrors.filter(function (e) { return e.field === 'message'; });
  $('error-reply-message').textContent = '';
  $('reply-message').removeAttribute('aria-invalid');
  if (message.length) {
    QL.setFieldError($('reply-message'), $('error-reply-message'), message.map(messageOf));
  }
  picker.render();
  if (summary) {
    QL.showSummary($('reply-summary'), replyErrors.map(function (e) {
      var isFile = /^evidence/.test(e.field || '');
      var label = T.t(isFile ? 'reply.files' : 'reply.message');
      return {
        text: label + (T.lang() === 'en' ? ': ' : '：') + messageOf(e),
        target: e.field === 'message' ? 'reply-message' : isFile ? 'reply-input' : null
      };
    }));
  }
}

$('reply-summary').addEventListener('click', function (e) {
  var link = e.target.closest('a[href^="#"]');
  if (!link) return;
  e.preventDefault();
  var target = $(link.getAttribute('href').slice(1));
  if (target) target.focus();
});

function setSending(on, fraction) {
  sending = on;
  $('reply-submit').disabled = on;
  $('reply-progress-wrap').hidden = !on;
  var p = Math.round((fraction || 0) * 100);
  $('reply-progress').value = p;
  $('reply-percent').textContent = on ? T.t('sending', { p: p }) : '';
}

$('reply-form').addEventListener('submit', function (e) {
  e.preventDefault();
  if (sending || !creds) return;
  picker.serverErrors = {};
  replyErrors = checkMessage();
  picker.check(false).forEach(function (p) { replyErrors.push({ field: 'evidence', key: p.key, params: p.params }); });
  if (replyErrors.length) {
    renderReplyErrors(true);
    return;
  }
  renderReplyErrors(false);
  $('reply-summary').hidden = true;
  var data = new FormData();
  data.append('message', $('reply-message').value.trim());
  picker.files().forEach(function (f) { data.append('evidence', f, f.name); });
  setSending(true, 0);
  QL.send('POST', '/api/v1/reports/' + encodeURIComponent(creds.ref) + '/replies', data, {
    headers: { Authorization: 'Bearer ' + creds.code },
    onProgress: function (f) { setSending(true, f); }
  }).then(function (res) {
    setSending(false);
    if (res.status === 201) {
      $('reply-message').value = '';
      updateCounter();
      picker.clear();
      replyErrors = [];
      var done = $('reply-done');
      done.textContent = T.t('reply.sent');
      done.hidden = false;
      return lookup({ keepDone: true }).then(function () { done.focus(); });
    }
    if (res.status === 409) {
      showNotice(T.t('reply.conflict'));
      return lookup();
    }
    if (res.status === 404) {
      showNotice(T.t('track.notfound'));
      return null;
    }
    var list = QL.problemErrors(res.body);
    if (!list.length) {
      showNotice(T.t('err.server', { status: res.status }));
      return null;
    }
    replyErrors = list;
    list.forEach(function (err) {
      var m = /^evidence(?:\[(\d+)\])?$/.exec(err.field || '');
      if (m) picker.setServerError(m[1] === undefined ? null : +m[1], err);
    });
    renderReplyErrors(true);
    return null;
  }, function () {
    setSending(false);
    showNotice(T.t('err.network.reply'));
  });
});

// ---- start-up -------------------------------------------------------------

function renderHints() {
  $('reply-limits').textContent = QL.limitsText(limits);
  updateCounter();
}

T.onChange(function () {
  renderHints();
  render();
  if (replyErrors.length) renderReplyErrors(!$('reply-summary').hidden);
  var toggle = $('toggle-code');
  toggle.textContent = T.t(toggle.getAttribute('data-i18n'));
});

QL.initLangSwitch();
renderHints();
QL.loadMeta().then(function (m) {
  meta = m;
  Object.keys(m.limits || {}).forEach(function (k) { limits[k] = m.limits[k]; });
  renderHints();
  render();
}, function () { /* labels fall back to codes; the server checks the files */ });

var params = new URLSearchParams(location.search);
var ref = params.get('ref');
var saved = stored();
if (ref) $('track-ref').value = canonicalRef(ref);
if (saved && saved.code && (!ref || canonicalRef(ref) === saved.ref)) {
  $('track-ref').value = saved.ref;
  $('track-code').value = saved.code;
  lookup();
} else if (ref) {
  $('track-code').focus();
}
