/* The report form at /: options from /api/v1/meta, checks that mirror the
 * server's, evidence files, and a multipart upload with progress.
 * Consumer text is only ever set as text (textContent, text nodes). */
import * as T from './i18n.js';
import * as QL from './common.js';

var $ = QL.$;
var el = QL.el;

var form = $('report-form');
var limits = Object.assign({}, QL.DEFAULT_LIMITS);
var meta = null;
/** The errors on show: client ones {field, key, params} or server ones {field, code, message}. */
var errors = [];
/** Row element ids of the tracking events sent last, by their index in the request. */
var sentEventRows = [];
var eventSeq = 0;
var sending = false;

var picker = new QL.FilePicker({
  zone: $('dropzone'),
  input: $('evidence-input'),
  list: $('file-list'),
  errorEl: $('error-evidence'),
  limits: function () { return limits; },
  onChange: function () {
    errors = errors.filter(function (e) { return !isEvidence(e.field); });
    renderFieldErrors();
  }
});

// ---- options and limits -------------------------------------------------

function fillSelect(select, items, placeholderKey) {
  var current = select.value;
  QL.clear(select);
  select.appendChild(el('option', { value: '', text: T.t(placeholderKey) }));
  items.forEach(function (item) {
    select.appendChild(el('option', { value: item.code, text: T.label(item) }));
  });
  select.value = current;
}

function fillOptions() {
  if (!meta) return;
  fillSelect($('category'), meta.categories, 'f.choose');
  fillSelect($('platform'), meta.platforms, 'f.choose');
  fillSelect($('merchant_province'), meta.provinces, 'f.none');
  fillSelect($('hotline_found_via'), meta.found_via || [], 'f.none');
  fillSelect($('hotline_incident_province'), meta.provinces, 'f.none');
}

// ---- what the category asks for -----------------------------------------

var HOTLINE = 'fake_service_hotline';

function isHotline() { return $('category').value === HOTLINE; }

/** A fake hotline has its own section and may name no shop; reviews and
 * shipping belong to the other categories; an empty-parcel report opens
 * the shipping details. */
function applyCategory() {
  var hotline = isHotline();
  $('hotline-section').hidden = !hotline;
  $('reviews-section').hidden = hotline;
  $('logistics').hidden = hotline;
  $('shop-optional-hint').hidden = !hotline;
  document.querySelectorAll('.shop-req').forEach(function (mark) { mark.hidden = hotline; });
  $('platform').required = !hotline;
  $('merchant_name').required = !hotline;
  if ($('category').value === 'abnormal_logistics') $('logistics').open = true;
}
$('category').addEventListener('change', applyCategory);

function renderHints() {
  $('description-hint').textContent = T.t('f.description.hint', { min: limits.description_min_chars });
  $('review_texts-hint').textContent = T.t('f.review_texts.hint', {
    max: limits.max_review_texts, chars: limits.max_review_text_chars
  });
  $('hotline_page_text-hint').textContent = T.t('f.hotline_page_text.hint', { max: limits.max_page_text_chars });
  $('drop-limits').textContent = QL.limitsText(limits);
  updateCounter();
}

function loadOptions() {
  QL.loadMeta().then(function (m) {
    meta = m;
    Object.keys(m.limits || {}).forEach(function (k) { limits[k] = m.limits[k]; });
    fillOptions();
    applyCategory();
    renderHints();
    $('form-notice').hidden = true;
  }, function () {
    var notice = $('form-notice');
    QL.clear(notice);
    var retry = el('button', { type: 'button', className: 'small', text: T.t('retry') });
    retry.addEventListener('click', loadOptions);
    notice.appendChild(el('span', { text: T.t('err.meta') + ' ' }));
    notice.appendChild(retry);
    notice.hidden = false;
  });
}

// ---- the description counter ------------------------------------------

function updateCounter() {
  var n = QL.charCount($('description').value.trim());
  var counter = $('description-counter');
  counter.textContent = T.t('counter', { n: n, max: limits.description_max_chars });
  counter.classList.toggle('bad', n > limits.description_max_chars);
}
$('description').addEventListener('input', updateCounter);

// ---- tracking events ----------------------------------------------------

function eventRows() {
  return Array.prototype.slice.call($('events-list').querySelectorAll('.event-row'));
}

function labelEventButtons() {
  eventRows().forEach(function (row, i) {
    row.querySelector('button').setAttribute('aria-label', T.t('ev.remove.label', { i: i + 1 }));
  });
}

function addEvent() {
  var id = 'event-' + (++eventSeq);
  function cell(name, type, key) {
    var input = el('input', { type: type, id: id + '-' + name, autocomplete: 'off' });
    return el('div', {}, [el('label', { 'for': input.id, 'data-i18n': key, text: T.t(key) }), input]);
  }
  var remove = el('button', { type: 'button', className: 'small danger', 'data-i18n': 'ev.remove', text: T.t('ev.remove') });
  var row = el('div', { className: 'event-row', id: id }, [
    cell('time', 'datetime-local', 'ev.time'),
    cell('location', 'text', 'ev.location'),
    cell('description', 'text', 'ev.description'),
    remove,
    el('p', { className: 'field-error', id: 'error-' + id })
  ]);
  remove.addEventListener('click', function () {
    var rows = eventRows();
    var index = rows.indexOf(row);
    row.parentNode.removeChild(row);
    errors = errors.filter(function (e) { return locate(e.field).control !== row.querySelector('input'); });
    labelEventButtons();
    var left = eventRows();
    var next = left[Math.min(index, left.length - 1)];
    (next ? next.querySelector('input') : $('add-event')).focus();
  });
  $('events-list').appendChild(row);
  labelEventButtons();
  return row;
}
$('add-event').addEventListener('click', function () {
  addEvent().querySelector('input').focus();
});

// ---- checks that mirror the server's -----------------------------------

var EMAIL_USER = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
var EMAIL_HOST = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

function validEmail(value) {
  var at = value.lastIndexOf('@');
  if (at < 1 || at === value.length - 1) return false;
  var user = value.slice(0, at);
  var host = value.slice(at + 1);
  if (QL.charCount(user) > 64 || !EMAIL_USER.test(user)) return false;
  if (EMAIL_HOST.test(host)) return true;
  // Internationalized domains: the server converts them to ASCII itself.
  return /[^\x00-\x7f]/.test(host) && /^[^\s@]+$/.test(host) && !/^\.|\.\.|\.$/.test(host);
}

/** Mainland mobiles (optionally +86), landlines with area code, 400/800 numbers, or E.164. */
function validPhone(value) {
  var compact = value.replace(/[ \-()]/g, '');
  var plus = compact.charAt(0) === '+';
  var digits = compact.replace(/^\++/, '');
  if (!/^[0-9]+$/.test(digits)) return false;
  var national = digits.indexOf('86') === 0 && (plus || digits.length === 13) ? digits.slice(2) : null;
  var mainland = national === null ? digits : national;
  return (mainland.length === 11 && mainland.charAt(0) === '1' && /[3-9]/.test(mainland.charAt(1))) ||
    (!plus && mainland.charAt(0) === '0' && mainland.length >= 10 && mainland.length <= 12) ||
    (!plus && /^(400|800)/.test(mainland) && mainland.length === 10) ||
    (plus && national === null && digits.length >= 7 && digits.length <= 15);
}

/** What the server reads as a Chinese number, roughly: digits with the
 * separators people type (full-width too), an optional +86 and a "(1)"
 * list marker; the server has the last word on the numbering plan. */
function hotlineDigits(value) {
  var folded = value.replace(/[\uFF01-\uFF5E]/g, function (c) {
    return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
  }).trim().replace(/^\(\d{1,2}\)\s*/, '');
  if (!/^\+?[0-9 \-.()\/\u3000]+$/.test(folded)) return null;
  return folded.replace(/[^0-9]/g, '');
}

function validUrl(value) {
  try {
    var url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !!url.hostname;
  } catch (e) { return false; }
}

var EARLIEST = Date.UTC(2000, 0, 1);

/** A datetime-local value read as Beijing time: 'ok', 'invalid' or 'range'. */
function checkTime(value) {
  var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return 'invalid';
  var t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4] - 8, +m[5], +(m[6] || 0));
  if (isNaN(t)) return 'invalid';
  return t < EARLIEST || t > Date.now() + 24 * 3600 * 1000 ? 'range' : 'ok';
}

/** Reads the form into the report JSON, collecting every problem on the way. */
function collect() {
  var problems = [];
  function add(field, e) { e.field = field; problems.push(e); }
  function text(id, field, max, opts) {
    opts = opts || {};
    var value = $(id).value.trim();
    if (!value) {
      if (opts.required) add(field, { code: 'required' });
      return undefined;
    }
    if (QL.hasControl(value, opts.multiLine)) add(field, { code: 'control_characters' });
    else if (max && QL.charCount(value) > max) add(field, { key: 'v.max', params: { max: max } });
    return value;
  }
  function url(id, field) {
    field = field || id;
    var value = text(id, field, 2048);
    if (value !== undefined && !validUrl(value)) add(field, { code: 'url' });
    return value;
  }
  function time(id, field) {
    var value = $(id).value.trim();
    if (!value) {
      if ($(id).validity && $(id).validity.badInput) add(field, { code: 'invalid_time' });
      return undefined;
    }
    var state = checkTime(value);
    if (state === 'invalid') add(field, { code: 'invalid_time' });
    if (state === 'range') add(field, { key: 'v.time.range' });
    return value;
  }

  var report = {};
  report.category = $('category').value || undefined;
  if (!report.category) add('category', { code: 'required' });
  var hotline = report.category === HOTLINE;
  report.platform = $('platform').value || undefined;
  if (!report.platform && !hotline) add('platform', { code: 'required' });
  report.merchant_name = text('merchant_name', 'merchant_name', limits.max_merchant_name_chars, { required: !hotline });
  report.shop_url = url('shop_url');
  report.product_url = url('product_url');
  report.order_id = text('order_id', 'order_id', 100);
  report.merchant_province = $('merchant_province').value || undefined;
  report.merchant_city = text('merchant_city', 'merchant_city', 100);

  var description = $('description').value.trim();
  var n = QL.charCount(description);
  if (!description) add('description', { code: 'required' });
  else if (QL.hasControl(description, true)) add('description', { code: 'control_characters' });
  else if (n < limits.description_min_chars || n > limits.description_max_chars) {
    add('description', { key: 'v.description', params: { min: limits.description_min_chars, max: limits.description_max_chars, n: n } });
  }
  report.description = description || undefined;

  var reviews = $('review_texts').value.replace(/\r\n?/g, '\n').split(/\n\s*\n/)
    .map(function (t) { return t.trim(); })
    .filter(Boolean);
  if (reviews.length > limits.max_review_texts) {
    add('review_texts', { key: 'v.reviews.count', params: { max: limits.max_review_texts, n: reviews.length } });
  } else {
    reviews.some(function (t, i) {
      if (QL.charCount(t) > limits.max_review_text_chars) {
        add('review_texts', { key: 'v.reviews.length', params: { i: i + 1, max: limits.max_review_text_chars } });
        return true;
      }
      if (QL.hasControl(t, true)) {
        add('review_texts', { code: 'control_characters' });
        return true;
      }
      return false;
    });
  }
  report.review_texts = hotline ? [] : reviews;
  if (hotline) report.hotline = collectHotline(text, url, add);

  var logistics = {
    carrier: text('logistics_carrier', 'logistics.carrier', 50),
    tracking_number: text('logistics_tracking_number', 'logistics.tracking_number', 64),
    shipped_at: time('logistics_shipped_at', 'logistics.shipped_at'),
    delivered_at: time('logistics_delivered_at', 'logistics.delivered_at'),
    origin: text('logistics_origin', 'logistics.origin', 200),
    destination: text('logistics_destination', 'logistics.destination', 200),
    events: []
  };
  var weight = $('logistics_declared_weight_kg');
  if (weight.value.trim() !== '') {
    var kg = Number(weight.value);
    if (!isFinite(kg) || kg < 0 || kg > 100000) add('logistics.declared_weight_kg', { key: 'v.weight' });
    else logistics.declared_weight_kg = kg;
  } else if (weight.validity && weight.validity.badInput) {
    add('logistics.declared_weight_kg', { key: 'v.weight' });
  }
  sentEventRows = [];
  eventRows().forEach(function (row) {
    var base = row.id;
    var filled = ['time', 'location', 'description'].some(function (k) {
      var input = $(base + '-' + k);
      return input.value.trim() !== '' || (input.validity && input.validity.badInput);
    });
    if (!filled) return;
    var i = sentEventRows.length;
    sentEventRows.push(base);
    var prefix = 'logistics.events[' + i + '].';
    var event = {
      time: time(base + '-time', prefix + 'time'),
      location: text(base + '-location', prefix + 'location', 200),
      description: text(base + '-description', prefix + 'description', 500)
    };
    if (!event.time && !problems.some(function (p) { return p.field === prefix + 'time'; })) {
      add(prefix + 'time', { key: 'v.event.time' });
    }
    logistics.events.push(event);
  });
  var hasLogistics = Object.keys(logistics).some(function (k) {
    return k === 'events' ? logistics.events.length > 0 : logistics[k] !== undefined;
  });
  if (hasLogistics && !hotline) report.logistics = logistics;

  var reporter = {
    name: text('reporter_name', 'reporter.name', 100),
    email: text('reporter_email', 'reporter.email', 254),
    phone: text('reporter_phone', 'reporter.phone', 0)
  };
  if (reporter.email && !problems.some(function (p) { return p.field === 'reporter.email'; }) && !validEmail(reporter.email)) {
    add('reporter.email', { code: 'email' });
  }
  if (reporter.phone && !validPhone(reporter.phone)) add('reporter.phone', { code: 'phone' });
  if (reporter.name || reporter.email || reporter.phone) report.reporter = reporter;
  report.consent_share_contact = $('consent_share_contact').checked;
  report.email_tracking_code = $('email_tracking_code').checked;
  if (report.email_tracking_code && !reporter.email) add('reporter.email', { key: 'v.email.for_code' });
  report.locale = T.lang() === 'en' ? 'en' : 'zh-CN';
  return { report: report, problems: problems };
}

/** The hotline section, checked as the server will. */
function collectHotline(text, url, add) {
  var h = {};
  h.number = text('hotline_number', 'hotline.number', 40, { required: true });
  if (h.number !== undefined) {
    var digits = hotlineDigits(h.number);
    if (digits === null) add('hotline.number', { code: 'phone' });
    else if (digits.length < 5) add('hotline.number', { code: 'too_short' });
    else if (digits.length > 15) add('hotline.number', { code: 'too_long' });
  }
  h.impersonated_brand = text('hotline_impersonated_brand', 'hotline.impersonated_brand', 100, { required: true });
  h.found_via = $('hotline_found_via').value || undefined;
  h.found_url = url('hotline_found_url', 'hotline.found_url');
  h.search_terms = text('hotline_search_terms', 'hotline.search_terms', 200);
  h.page_text = text('hotline_page_text', 'hotline.page_text', limits.max_page_text_chars, { multiLine: true });
  var visited = $('hotline_technician_visited').value;
  h.technician_visited = visited === '' ? undefined : visited === 'yes';
  var amount = $('hotline_amount_paid_yuan');
  if (amount.value.trim() !== '') {
    var yuan = Number(amount.value);
    if (!isFinite(yuan) || yuan < 0 || yuan > limits.max_amount_paid_yuan) add('hotline.amount_paid_yuan', { key: 'v.amount' });
    else if (Math.abs(Math.round(yuan * 100) - yuan * 100) > 1e-6) add('hotline.amount_paid_yuan', { code: 'precision' });
    else h.amount_paid_yuan = yuan;
  } else if (amount.validity && amount.validity.badInput) {
    add('hotline.amount_paid_yuan', { key: 'v.amount' });
  }
  h.incident_province = $('hotline_incident_province').value || undefined;
  h.incident_city = text('hotline_incident_city', 'hotline.incident_city', 100);
  return h;
}

// ---- showing errors -----------------------------------------------------

function isEvidence(field) { return /^evidence(\[\d+\])?$/.test(field || ''); }

/** Where a field path's error goes: {control, errEl}. */
function locate(field) {
  field = field || '';
  var ev = /^logistics\.events\[(\d+)\](?:\.(\w+))?$/.exec(field);
  if (ev) {
    var rowId = sentEventRows[+ev[1]];
    if (rowId && $(rowId)) {
      var part = ev[2] && $(rowId + '-' + ev[2]) ? ev[2] : 'time';
      return { control: $(rowId + '-' + part), errEl: $('error-' + rowId) };
    }
    return { control: $('add-event'), errEl: $('error-logistics_events') };
  }
  if (isEvidence(field)) return { control: $('evidence-input'), errEl: $('error-evidence') };
  var id = field.replace(/\[\d+\]/g, '').replace(/\./g, '_');
  if (id === 'reporter' || id === 'logistics') id = id === 'logistics' ? 'logistics_events' : 'reporter_name';
  var errEl = $('error-' + id);
  var control = $(id) || (id === 'logistics_events' ? $('add-event') : null);
  return errEl ? { control: control, errEl: errEl } : { control: null, errEl: null };
}

function messageOf(e) {
  if (e.key) return T.t(e.key, e.params);
  var text = QL.errorText(e) || T.t('code.invalid');
  var review = /^review_texts\[(\d+)\]$/.exec(e.field || '');
  return review ? T.t('v.review.item', { i: +review[1] + 1, msg: text }) : text;
}

function labelOf(control) {
  if (!control) return '';
  if (control.id === 'evidence-input') return T.t('sec.evidence');
  if (control.id === 'add-event') return T.t('f.events');
  var label = document.querySelector('label[for="' + control.id + '"]');
  var text = label ? label.textContent.replace(/\*$/, '').trim() : '';
  var row = control.closest('.event-row');
  if (row) text = T.t('ev.row', { i: eventRows().indexOf(row) + 1 }) + ' · ' + text;
  return text;
}

function renderFieldErrors() {
  QL.clearFieldErrors(form);
  picker.render();
  var byTarget = [];
  errors.forEach(function (e) {
    if (isEvidence(e.field)) return; // the picker shows these on the files and under the list
    var place = locate(e.field);
    if (!place.errEl) return;
    var group = byTarget.filter(function (g) { return g.errEl === place.errEl; })[0];
    if (!group) byTarget.push(group = { errEl: place.errEl, control: place.control, messages: [] });
    var message = messageOf(e);
    if (group.messages.indexOf(message) < 0) group.messages.push(message);
  });
  byTarget.forEach(function (g) { QL.setFieldError(g.control, g.errEl, g.messages); });
}

function showErrors() {
  renderFieldErrors();
  var items = [];
  errors.forEach(function (e) {
    var place = locate(e.field);
    var label = labelOf(place.control);
    var text = messageOf(e);
    if (isEvidence(e.field) && !e.key) {
      var m = /\[(\d+)\]/.exec(e.field);
      var file = m && picker.items[+m[1]] ? picker.items[+m[1]].file.name : '';
      if (file) text = file + '：' + text;
    }
    items.push({
      text: label ? label + (T.lang() === 'en' ? ': ' : '：') + text : text,
      target: place.control ? place.control.id : null
    });
  });
  if (errors.some(function (e) { return /^logistics\./.test(e.field); })) $('logistics').open = true;
  QL.showSummary($('error-summary'), items);
}

// A link in the summary moves focus to its field (opening the logistics section when needed).
$('error-summary').addEventListener('click', function (e) {
  var link = e.target.closest('a[href^="#"]');
  if (!link) return;
  var target = $(link.getAttribute('href').slice(1));
  if (!target) return;
  e.preventDefault();
  var details = target.closest('details');
  if (details) details.open = true;
  target.focus();
  target.scrollIntoView({ block: 'center' });
});

// Fixing a field clears its error at once (new errors wait for the next submit).
function recheck(control) {
  if (!errors.length || !control || !control.id) return;
  var fresh = collect().problems;
  var owned = function (e) { return locate(e.field).control === control; };
  var had = errors.some(owned);
  if (!had) return;
  errors = errors.filter(function (e) { return !owned(e); })
    .concat(fresh.filter(owned));
  renderFieldErrors();
}
form.addEventListener('input', function (e) { recheck(e.target); });

// An address typed without its scheme gets https:// added when leaving the field.
['shop_url', 'product_url', 'hotline_found_url'].forEach(function (id) {
  $(id).addEventListener('blur', function () {
    var value = this.value.trim();
    if (value && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && /^[^\s/:]+\.[^\s/:]+/.test(value)) {
      this.value = 'https://' + value;
      recheck(this);
    }
  });
});

// ---- submitting ---------------------------------------------------------

function notice(text) {
  var box = $('form-notice');
  box.textContent = text;
  box.hidden = false;
  box.setAttribute('tabindex', '-1');
  box.focus();
}

function setSending(on, fraction) {
  sending = on;
  $('submit-report').disabled = on;
  form.setAttribute('aria-busy', on ? 'true' : 'false');
  $('progress-wrap').hidden = !on;
  var p = Math.round((fraction || 0) * 100);
  $('upload-progress').value = p;
  $('upload-percent').textContent = on ? T.t('sending', { p: p }) : '';
}

function handleProblem(res) {
  var list = QL.problemErrors(res.body);
  var fieldErrors = [];
  var general = [];
  list.forEach(function (e) {
    if (isEvidence(e.field)) {
      var m = /\[(\d+)\]/.exec(e.field);
      picker.setServerError(m ? +m[1] : null, e);
      fieldErrors.push(e);
    } else if (locate(e.field).errEl) {
      fieldErrors.push(e);
    } else {
      general.push(e);
    }
  });
  errors = fieldErrors;
  if (fieldErrors.length) showErrors();
  if (general.length) {
    notice(general.map(function (e) { return QL.errorText(e) || e.message; }).join(' '));
  } else if (!fieldErrors.length) {
    notice(res.status === 429
      ? throttledText(res)
      : res.status === 503
      ? T.t('err.unavailable')
      : res.status >= 500 || !res.body
      ? T.t('err.server', { status: res.status })
      : (res.body.detail || T.t('err.server', { status: res.status })));
  }
}

/** A 429: how long to wait, from Retry-After, in the reader's language. */
function throttledText(res) {
  var seconds = parseInt(res.xhr && res.xhr.getResponseHeader('Retry-After'), 10);
  if (!(seconds > 0)) seconds = 60;
  return seconds < 120
    ? T.t('err.throttled.seconds', { n: seconds })
    : T.t('err.throttled.minutes', { n: Math.ceil(seconds / 60) });
}

function showSuccess(body) {
  ['intro', 'privacy', 'report-form', 'error-summary', 'form-notice'].forEach(function (id) { $(id).hidden = true; });
  $('reference').textContent = body.reference;
  $('tracking-code').textContent = body.tracking_code;
  $('track-link').setAttribute('href', '/track?ref=' + encodeURIComponent(body.reference));
  // The tracking page of this tab may use the code; it never goes into a URL.
  try {
    sessionStorage.setItem('qinglang.track', JSON.stringify({ ref: body.reference, code: body.tracking_code }));
  } catch (e) { /* storage off: the consumer types the code */ }
  picker.clear();
  $('success').hidden = false;
  window.scrollTo(0, 0);
  $('success-title').focus();
}

$('copy-reference').addEventListener('click', function () { QL.copyText($('reference').textContent, this); });
$('copy-code').addEventListener('click', function () { QL.copyText($('tracking-code').textContent, this); });

form.addEventListener('submit', function (e) {
  e.preventDefault();
  if (sending) return;
  $('form-notice').hidden = true;
  picker.serverErrors = {};
  var result = collect();
  errors = result.problems;
  picker.check(false).forEach(function (p) {
    errors.push({ field: 'evidence', key: p.key, params: p.params });
  });
  if (errors.length) {
    showErrors();
    return;
  }
  $('error-summary').hidden = true;
  renderFieldErrors();
  var data = new FormData();
  data.append('report', JSON.stringify(result.report));
  picker.files().forEach(function (file) { data.append('evidence', file, file.name); });
  setSending(true, 0);
  QL.send('POST', '/api/v1/reports', data, {
    onProgress: function (f) { setSending(true, f); }
  }).then(function (res) {
    setSending(false);
    if (res.status === 201 && res.body && res.body.reference) showSuccess(res.body);
    else handleProblem(res);
  }, function () {
    setSending(false);
    notice(T.t('err.network'));
  });
});

// ---- language -----------------------------------------------------------

T.onChange(function () {
  fillOptions();
  renderHints();
  labelEventButtons();
  if (errors.length) {
    renderFieldErrors();
    if (!$('error-summary').hidden) showErrors();
  }
});

QL.initLangSwitch();
applyCategory();
renderHints();
loadOptions();
