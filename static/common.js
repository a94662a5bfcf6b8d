/* Helpers shared by every page (an ES module). Never uses innerHTML for data. */
import * as T from './i18n.js';

function $(id) { return document.getElementById(id); }

/** Builds an element; children may be nodes or strings (added as text). */
function el(tag, attrs, children) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    var v = attrs[k];
    if (v === null || v === undefined || v === false) return;
    if (k === 'text') node.textContent = v;
    else if (k === 'className') node.className = v;
    else node.setAttribute(k, v === true ? '' : v);
  });
  (children || []).forEach(function (c) {
    if (c === null || c === undefined) return;
    node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  });
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function formatBytes(n) {
  if (n < 1024) return n + ' B';
  var units = ['KB', 'MB', 'GB'];
  var i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
  return (n >= 10 || Math.round(n) === n ? Math.round(n) : n.toFixed(1)) + ' ' + units[i];
}

/** The parts of an RFC 3339 time in Beijing time (UTC+8 all year), or null. */
function beijingParts(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  if (isNaN(d.getTime())) return null;
  const b = new Date(d.getTime() + 8 * 3600 * 1000);
  const two = (n) => String(n).padStart(2, '0');
  return {
    date: b.getUTCFullYear() + '-' + two(b.getUTCMonth() + 1) + '-' + two(b.getUTCDate()),
    time: two(b.getUTCHours()) + ':' + two(b.getUTCMinutes())
  };
}

/** An RFC 3339 time as "2026-12-02 14:05" in Beijing time, the same in both languages. */
function formatTime(iso) {
  const p = beijingParts(iso);
  return p ? p.date + ' ' + p.time : String(iso || '');
}

/** An RFC 3339 time's day as "2026-12-02" in Beijing time. */
function formatDate(iso) {
  const p = beijingParts(iso);
  return p ? p.date : String(iso || '');
}

/** A <time> element showing formatTime(iso), with the time zone as its title. */
function timeEl(iso) {
  return el('time', { datetime: iso, title: T.t('time.zone'), text: formatTime(iso) });
}

/** The label of `code` in one of /api/v1/meta's lists, in the current language (the code until meta is loaded). */
function vocabLabel(list, code) {
  if (code === null || code === undefined || code === '') return '';
  const item = ((meta && meta[list]) || []).find((i) => i.code === code);
  return item ? T.label(item) : String(code);
}

function statusLabel(status) {
  return vocabLabel('statuses', status);
}

/** Items joined as a list in the current language ("A、B" / "A, B"). */
function listText(items) {
  return items.join(T.lang() === 'en' ? ', ' : '、');
}

/**
 * The public note of a timeline entry in the current language. A `forwarded` entry's note is
 * the server's Chinese "已转交 A、B": it is rebuilt from `recipients` when they are given.
 */
function timelineNote(entry) {
  if (entry.status === 'forwarded' && Array.isArray(entry.recipients) && entry.recipients.length) {
    return T.t('timeline.forwarded', { names: listText(entry.recipients) });
  }
  return entry.note || '';
}

/** Localized message of one {field, code, message} entry from a problem. */
function errorText(err) {
  if (err && err.code && T.lang() === 'zh' && T.has('code.' + err.code)) return T.t('code.' + err.code);
  if (err && err.message) return err.message;
  return err && err.code && T.has('code.' + err.code) ? T.t('code.' + err.code) : '';
}

/** Parses an XHR/fetch body as JSON, or returns null. */
function parseJson(text) {
  try { return JSON.parse(text); } catch (e) { return null; }
}

/** Marks a control invalid and writes the message into its error element. */
function setFieldError(control, errEl, messages) {
  if (!errEl) return;
  errEl.textContent = messages.join(T.lang() === 'en' ? '; ' : '；');
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    var ids = (control.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    if (ids.indexOf(errEl.id) < 0) ids.push(errEl.id);
    control.setAttribute('aria-describedby', ids.join(' '));
  }
}

function clearFieldErrors(root) {
  root.querySelectorAll('.field-error').forEach(function (e) { e.textContent = ''; });
  root.querySelectorAll('[aria-invalid]').forEach(function (c) { c.removeAttribute('aria-invalid'); });
}

/** Fills an error summary (role=alert) with items: {text, target?}. */
function showSummary(box, items) {
  clear(box);
  if (!items.length) { box.hidden = true; return; }
  var list = el('ul');
  items.forEach(function (item) {
    var content = item.target
      ? el('a', { href: '#' + item.target, text: item.text })
      : document.createTextNode(item.text);
    list.appendChild(el('li', {}, [content]));
  });
  box.appendChild(el('h2', { text: T.t('summary.title') }));
  box.appendChild(list);
  box.hidden = false;
  box.setAttribute('tabindex', '-1');
  box.focus();
}

function copyText(text, button) {
  function done(ok) {
    var prev = T.t('copy');
    button.textContent = ok ? T.t('copied') : T.t('copy.failed');
    setTimeout(function () { button.textContent = prev; }, 2000);
  }
  function fallback() {
    var ta = el('textarea', { readonly: true, 'aria-hidden': 'true', className: 'sr-only' });
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(ta);
    done(ok);
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
  } else fallback();
}

let metaPromise = null;
/** /api/v1/meta once loaded (labels, lifecycle, limits); null before. */
let meta = null;

/** Loads /api/v1/meta once (again after a failure); resolves the object. */
function loadMeta() {
  if (!metaPromise) {
    metaPromise = fetch('/api/v1/meta', { headers: { Accept: 'application/json' } }).then((r) => {
      if (!r.ok) throw new Error('meta ' + r.status);
      return r.json();
    }).then((m) => {
      meta = m;
      return m;
    });
    metaPromise.catch(() => { metaPromise = null; });
  }
  return metaPromise;
}

/** The loaded /api/v1/meta, or null. */
function loadedMeta() { return meta; }

function initLangSwitch() {
  T.apply();
  document.querySelectorAll('.lang-switch').forEach(function (b) {
    b.addEventListener('click', function () { T.setLang(T.lang() === 'en' ? 'zh' : 'en'); });
  });
}

/** Length in characters (Unicode scalar values), as the server counts. */
function charCount(text) { return Array.from(text || '').length; }

/** Whether text holds a control character (tabs and line breaks allowed when multiLine). */
function hasControl(text, multiLine) {
  for (var i = 0; i < text.length; i++) {
    var c = text.charCodeAt(i);
    var control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
    if (control && !(multiLine && (c === 9 || c === 10 || c === 13))) return true;
  }
  return false;
}

/**
 * Sends a request with XMLHttpRequest, so that uploads report progress.
 * Resolves {status, body (parsed JSON or null), xhr}; rejects on a network error.
 */
function send(method, url, body, opts) {
  opts = opts || {};
  return new Promise(function (resolve, reject) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    Object.keys(opts.headers || {}).forEach(function (k) { xhr.setRequestHeader(k, opts.headers[k]); });
    if (opts.onProgress && xhr.upload) {
      xhr.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) opts.onProgress(e.loaded / e.total);
      });
    }
    xhr.addEventListener('load', function () {
      resolve({ status: xhr.status, body: parseJson(xhr.responseText), xhr: xhr });
    });
    xhr.addEventListener('error', function () { reject(new Error('network')); });
    xhr.addEventListener('abort', function () { reject(new Error('abort')); });
    xhr.addEventListener('timeout', function () { reject(new Error('timeout')); });
    xhr.send(body);
  });
}

/** The `errors` of a problem+json body (an empty list when it has none). */
function problemErrors(body) {
  return body && Array.isArray(body.errors) ? body.errors : [];
}

var IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
var EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'pdf', 'csv', 'json'];
var DEFAULT_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'application/pdf', 'text/csv', 'application/json'];

function extensionOf(name) {
  var m = /\.([A-Za-z0-9]+)$/.exec(name || '');
  return m ? m[1].toLowerCase() : '';
}

/**
 * A multi-file picker: files dropped onto `zone` or chosen with `input`,
 * listed in `list` with an image preview, the size and a remove button.
 * The checks mirror the server's limits; the type check (by extension or
 * declared type) is a hint only: the server decides from the bytes.
 */
function FilePicker(opts) {
  this.zone = opts.zone;
  this.input = opts.input;
  this.list = opts.list;
  this.errorEl = opts.errorEl;
  this.limits = opts.limits;
  this.onChange = opts.onChange || function () {};
  this.items = [];
  this.serverErrors = {};
  this.listError = null;
  this.nextId = 1;
  var self = this;
  this.input.addEventListener('change', function () {
    self.add(self.input.files);
    self.input.value = '';
  });
  if (this.zone) {
    var depth = 0;
    this.zone.addEventListener('dragenter', function (e) {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      self.zone.classList.add('over');
    });
    this.zone.addEventListener('dragover', function (e) {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    });
    this.zone.addEventListener('dragleave', function () {
      depth = Math.max(0, depth - 1);
      if (!depth) self.zone.classList.remove('over');
    });
    this.zone.addEventListener('drop', function (e) {
      e.preventDefault();
      depth = 0;
      self.zone.classList.remove('over');
      if (e.dataTransfer && e.dataTransfer.files) self.add(e.dataTransfer.files);
    });
  }
  T.onChange(function () { self.render(); });
}

function hasFiles(e) {
  var types = e.dataTransfer && e.dataTransfer.types;
  return !!types && Array.prototype.indexOf.call(types, 'Files') >= 0;
}

FilePicker.prototype.add = function (fileList) {
  var self = this;
  Array.prototype.forEach.call(fileList || [], function (file) {
    var dup = self.items.some(function (it) {
      return it.file.name === file.name && it.file.size === file.size && it.file.lastModified === file.lastModified;
    });
    if (dup) return;
    var preview = IMAGE_TYPES.indexOf(file.type) >= 0 && file.size > 0 ? URL.createObjectURL(file) : null;
    self.items.push({ id: self.nextId++, file: file, preview: preview });
  });
  this.serverErrors = {};
  this.check(false);
  this.render();
  this.onChange();
};

FilePicker.prototype.remove = function (id) {
  var index = -1;
  this.items.forEach(function (it, i) { if (it.id === id) index = i; });
  if (index < 0) return;
  var item = this.items[index];
  if (item.preview) URL.revokeObjectURL(item.preview);
  this.items.splice(index, 1);
  this.serverErrors = {};
  this.check(false);
  this.render();
  this.onChange();
  // Keep the keyboard user in the list, or return them to the picker.
  var buttons = this.list.querySelectorAll('button');
  var next = buttons[Math.min(index, buttons.length - 1)];
  (next || this.input).focus();
};

FilePicker.prototype.clear = function () {
  this.items.forEach(function (it) { if (it.preview) URL.revokeObjectURL(it.preview); });
  this.items = [];
  this.serverErrors = {};
  this.listError = null;
  this.render();
};

FilePicker.prototype.files = function () {
  return this.items.map(function (it) { return it.file; });
};

/** One file's problem as {key, params}, or null. */
FilePicker.prototype.problemOf = function (file) {
  var limits = this.limits();
  var accepted = limits.accepted_types || DEFAULT_TYPES;
  if (file.size === 0) return { key: 'v.file.empty', params: { name: file.name } };
  if (file.size > limits.max_file_bytes) {
    return { key: 'v.file.size', params: { name: file.name, max: formatBytes(limits.max_file_bytes) } };
  }
  var typeOk = accepted.indexOf(file.type) >= 0 || EXTENSIONS.indexOf(extensionOf(file.name)) >= 0;
  if (!typeOk) return { key: 'v.file.type', params: { name: file.name } };
  return null;
};

/**
 * Checks every file and the list; returns the problems as
 * [{key, params}] and marks the files. With `report` false only the
 * per-file marks are refreshed (used while the user edits the list).
 */
FilePicker.prototype.check = function (report) {
  var self = this;
  var limits = this.limits();
  var problems = [];
  this.items.forEach(function (it) {
    it.problem = self.problemOf(it.file);
    if (it.problem) problems.push(it.problem);
  });
  var total = this.items.reduce(function (sum, it) { return sum + it.file.size; }, 0);
  this.listError = null;
  if (this.items.length > limits.max_files) {
    this.listError = { key: 'v.files.count', params: { max: limits.max_files } };
  } else if (total > limits.max_total_bytes) {
    this.listError = { key: 'v.files.total', params: { max: formatBytes(limits.max_total_bytes) } };
  }
  if (this.listError) problems.unshift(this.listError);
  if (report !== false) this.render();
  return problems;
};

/** Shows a server error on file `index` (or on the list when index is null). */
FilePicker.prototype.setServerError = function (index, err) {
  if (index === null || index === undefined || !this.items[index]) {
    this.serverErrors.list = err;
  } else {
    this.serverErrors[this.items[index].id] = err;
  }
  this.render();
};

FilePicker.prototype.render = function () {
  var self = this;
  clear(this.list);
  this.items.forEach(function (it) {
    var message = self.serverErrors[it.id]
      ? it.file.name + '：' + errorText(self.serverErrors[it.id])
      : it.problem ? T.t(it.problem.key, it.problem.params) : '';
    var thumb = it.preview
      ? el('img', { src: it.preview, alt: '' })
      : el('span', { className: 'file-icon', 'aria-hidden': 'true', text: (extensionOf(it.file.name) || '?').toUpperCase().slice(0, 4) });
    var errId = 'file-error-' + it.id;
    var remove = el('button', {
      type: 'button', className: 'small',
      'aria-label': T.t('file.remove.label', { name: it.file.name }),
      text: T.t('file.remove')
    });
    remove.addEventListener('click', function () { self.remove(it.id); });
    var li = el('li', { className: 'file-item' + (message ? ' invalid' : ''), 'data-testid': 'file-item' }, [
      thumb,
      el('div', {}, [
        el('div', { className: 'name', text: it.file.name }),
        el('div', { className: 'size', text: formatBytes(it.file.size) + (it.file.type ? ' · ' + it.file.type : '') })
      ]),
      remove,
      el('p', { className: 'field-error', id: errId, text: message })
    ]);
    self.list.appendChild(li);
  });
  if (this.errorEl) {
    var listMessage = this.serverErrors.list ? errorText(this.serverErrors.list)
      : this.listError ? T.t(this.listError.key, this.listError.params) : '';
    this.errorEl.textContent = listMessage;
    var invalid = !!listMessage || this.items.some(function (it) { return it.problem || self.serverErrors[it.id]; });
    if (invalid) this.input.setAttribute('aria-invalid', 'true');
    else this.input.removeAttribute('aria-invalid');
  }
};

/** Upload limits shown under a drop zone. */
function limitsText(limits) {
  return T.t('drop.limits', {
    size: formatBytes(limits.max_file_bytes),
    count: limits.max_files,
    total: formatBytes(limits.max_total_bytes)
  });
}

/** The server's defaults, used until (or if) /api/v1/meta answers. */
var DEFAULT_LIMITS = {
  max_file_bytes: 10 * 1024 * 1024, max_files: 10, max_total_bytes: 40 * 1024 * 1024,
  accepted_types: DEFAULT_TYPES, description_min_chars: 10, description_max_chars: 5000,
  max_review_texts: 50, max_review_text_chars: 2000, max_merchant_name_chars: 200, max_reply_chars: 5000,
  max_page_text_chars: 20000, max_amount_paid_yuan: 1000000
};

export {
  $, el, clear, formatBytes, formatTime, formatDate, timeEl, vocabLabel, statusLabel, listText, timelineNote, errorText, parseJson,
  setFieldError, clearFieldErrors, showSummary, copyText, loadMeta, loadedMeta, initLangSwitch,
  charCount, hasControl, send, problemErrors, FilePicker, limitsText, DEFAULT_LIMITS
};
