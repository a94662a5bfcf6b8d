/* Building the page: small element helpers, the views, the toast and the page notice.
 * Everything staff or consumers wrote goes in as text (textContent / text nodes), never as HTML. */
import * as T from '../i18n.js';
import * as QL from '../common.js';
import { statusLabel } from './meta.js';

export const $ = QL.$;
export const el = QL.el;
export const clear = QL.clear;
export const timeEl = QL.timeEl;

/** ': ' or '：'. */
export function colon() { return T.lang() === 'en' ? ': ' : '：'; }

export function badge(status) {
  return el('span', { className: 'badge s-' + status, text: statusLabel(status) });
}

function priorityLevel(score) {
  return score >= 60 ? 'high' : score >= 30 ? 'medium' : 'low';
}

/** A priority score (0–100) as a small coloured number. */
export function priorityBadge(score, extraClass) {
  const n = Number(score) || 0;
  return el('span', {
    className: 'prio p-' + priorityLevel(n) + (extraClass ? ' ' + extraClass : ''),
    title: T.t('admin.prio.label', { score: n }),
    'data-priority': String(n),
    text: String(n)
  });
}

/** A card with an h3 title. */
export function section(titleKey, children, attrs) {
  const id = 'sec-' + titleKey.replace(/\W+/g, '-');
  return el('section', Object.assign({ className: 'card', 'aria-labelledby': id }, attrs || {}), [
    el('h3', { id, text: T.t(titleKey) })
  ].concat(children));
}

/** Adds a dt/dd pair to `dl` unless `value` is empty. */
export function detailRow(dl, key, value) {
  if (value === null || value === undefined || value === '') return;
  dl.appendChild(el('dt', { text: T.t(key) }));
  dl.appendChild(el('dd', {}, [value]));
}

/** A consumer-written address: a link only when it is http(s), always shown as text. */
export function urlNode(value) {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      return el('a', { href: url.href, rel: 'noopener noreferrer nofollow', target: '_blank', text: value });
    }
  } catch (e) { /* shown as text */ }
  return document.createTextNode(value);
}

/** A name with its address under it (or the address alone). */
export function recipientNode(name, email) {
  return el('span', { className: 'recipient' }, [
    el('span', { className: 'recipient-name', text: name || email }),
    name ? el('span', { className: 'recipient-email', text: email }) : null
  ]);
}

/** Replaces a <select>'s options with [[value, text]], keeping the chosen value when it is still there. */
export function fillSelect(select, options) {
  const current = select.value;
  clear(select);
  options.forEach(([value, text]) => select.appendChild(el('option', { value, text })));
  select.value = current;
  if (select.selectedIndex < 0) select.selectedIndex = 0;
}

/** Whether a key press goes into a text control (where shortcuts must not fire). */
export function isTyping(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable) return true;
  if (tag !== 'INPUT') return false;
  return !['button', 'submit', 'reset', 'checkbox', 'radio'].includes(target.type);
}

let toastTimer = null;
/** A short status message at the bottom of the page. */
export function toast(text) {
  const box = $('toast');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 5000);
}

/** The page-wide error notice (hidden when `text` is empty). */
export function notice(text) {
  const box = $('app-notice');
  box.textContent = text || '';
  box.hidden = !text;
}

// ---- views ------------------------------------------------------------------

const VIEWS = ['login-view', 'queue-view', 'case-view', 'merchants-view', 'merchant-view', 'hotlines-view', 'users-view', 'regulators-view', 'deliveries-view'];
/** The navigation link marked current for each view. */
const NAV = {
  'queue-view': 'nav-queue', 'case-view': 'nav-queue', 'merchants-view': 'nav-merchants', 'merchant-view': 'nav-merchants',
  'hotlines-view': 'nav-hotlines',
  'users-view': 'nav-users', 'regulators-view': 'nav-regulators', 'deliveries-view': 'nav-deliveries'
};
const viewListeners = [];

/** Calls `fn(viewId)` whenever a view is shown (e.g. to stop work for the one left). */
export function onViewChange(fn) {
  viewListeners.push(fn);
}

/** Shows one view, hides the others, marks the navigation. */
export function showView(id) {
  VIEWS.forEach((v) => { $(v).hidden = v !== id; });
  $('app-loading').hidden = true;
  ['nav-queue', 'nav-merchants', 'nav-hotlines', 'nav-users', 'nav-regulators', 'nav-deliveries'].forEach((nav) => {
    $(nav).toggleAttribute('aria-current', NAV[id] === nav);
  });
  viewListeners.forEach((fn) => fn(id));
}

/** Whether the view is on screen. */
export function shown(id) {
  return !$(id).hidden;
}

/** "<what> · 清朗 · 审核后台". */
export function setTitle(what) {
  document.title = what + ' · ' + T.t('admin.title');
}
