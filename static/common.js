/* Helpers shared by the consumer pages. Never uses innerHTML for data. */
(function () {
  'use strict';
  var T = window.I18N;

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

  /** An RFC 3339 time shown in Beijing time, in the current language. */
  function formatTime(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    try {
      return d.toLocaleString(T.lang() === 'en' ? 'en-GB' : 'zh-CN', {
        timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', hour12: false
      }) + (T.lang() === 'en' ? ' (Beijing)' : '');
    } catch (e) { return d.toISOString(); }
  }

  function statusLabel(status) {
    return T.has('status.' + status) ? T.t('status.' + status) : status;
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
    errEl.textContent = messages.join('；');
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

  var metaPromise = null;
  function loadMeta() {
    if (!metaPromise) {
      metaPromise = fetch('/api/v1/meta', { headers: { Accept: 'application/json' } }).then(function (r) {
        if (!r.ok) throw new Error('meta ' + r.status);
        return r.json();
      });
      metaPromise.catch(function () { metaPromise = null; });
    }
    return metaPromise;
  }

  function initLangSwitch() {
    T.apply();
    document.querySelectorAll('.lang-switch').forEach(function (b) {
      b.addEventListener('click', function () { T.setLang(T.lang() === 'en' ? 'zh' : 'en'); });
    });
  }

  window.QL = {
    $: $, el: el, clear: clear, formatBytes: formatBytes, formatTime: formatTime,
    statusLabel: statusLabel, errorText: errorText, parseJson: parseJson,
    setFieldError: setFieldError, clearFieldErrors: clearFieldErrors, showSummary: showSummary,
    copyText: copyText, loadMeta: loadMeta, initLangSwitch: initLangSwitch
  };
})();
