/* A case's audit trail (who viewed, downloaded, moved, assigned…), loaded when opened. The
 * server keeps each entry's before/after state as JSON objects; they are shown as readable
 * text ("状态：审核中 → 已核实；理由：…"), never as JSON and never as HTML. */
import * as T from '../i18n.js';
import { el, clear, colon, timeEl } from './dom.js';
import { api, casePath, failure } from './api.js';
import { statusLabel } from './meta.js';
import { staffEmail } from './state.js';

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function keyLabel(key) {
  return T.has('audit.key.' + key) ? T.t('audit.key.' + key) : key;
}

function separator() { return T.lang() === 'en' ? '; ' : '；'; }

/** One value as text: statuses and staff by name, lists joined, nested objects as "key: value". */
function valueText(key, v) {
  if (v === null || v === undefined) return key === 'user_id' ? T.t('admin.unassigned') : T.t('admin.audit.none');
  if (key === 'status' && typeof v === 'string') return statusLabel(v);
  if (key === 'user_id' && typeof v === 'number') return staffEmail(v);
  if (typeof v === 'boolean') return T.t(v ? 'yes' : 'no');
  if (Array.isArray(v)) return v.length ? v.map((x) => valueText(key, x)).join(T.lang() === 'en' ? ', ' : '、') : T.t('admin.audit.none');
  if (isObject(v)) return '(' + Object.keys(v).map((k) => keyLabel(k) + colon() + valueText(k, v[k])).join(separator()) + ')';
  return String(v);
}

/**
 * An entry's before/after as text. A key in both states reads "before → after" (or the value
 * once, when unchanged); a key in one only reads "key: value", and is left out when empty.
 */
export function auditText(a) {
  const before = isObject(a.before) ? a.before : {};
  const after = isObject(a.after) ? a.after : {};
  const keys = Object.keys(before).concat(Object.keys(after).filter((k) => !(k in before)));
  const parts = [];
  keys.forEach((k) => {
    const inBoth = k in before && k in after;
    let text;
    if (inBoth) {
      const was = valueText(k, before[k]);
      const now = valueText(k, after[k]);
      text = was === now ? now : was + ' → ' + now;
    } else {
      const v = k in after ? after[k] : before[k];
      if (v === null || v === undefined || v === '') return;
      text = valueText(k, v);
    }
    parts.push(keyLabel(k) + colon() + text);
  });
  // A state that is not an object (never sent today) is still shown as text.
  if (!isObject(a.before) && a.before !== null && a.before !== undefined) parts.unshift(valueText('', a.before));
  if (!isObject(a.after) && a.after !== null && a.after !== undefined) parts.push(valueText('', a.after));
  return parts.join(separator());
}

function actionText(action) {
  return T.has('audit.' + action) ? T.t('audit.' + action) : action;
}

export function auditSection(c) {
  const body = el('div', { className: 'audit-body' }, [el('p', { className: 'hint', text: T.t('admin.loading') })]);
  const details = el('details', { className: 'card audit', id: 'audit-details' }, [
    el('summary', { text: T.t('admin.case.audit') }), body
  ]);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const data = await api('GET', casePath(c.reference, '/audit'));
      clear(body);
      if (!data.items.length) {
        body.appendChild(el('p', { className: 'hint', text: T.t('admin.audit.empty') }));
        return;
      }
      // The headings again as data-label: narrow screens show each entry as a small card.
      const heads = ['admin.audit.at', 'admin.audit.actor', 'admin.audit.action', 'admin.audit.detail', 'admin.audit.ip'].map((k) => T.t(k));
      body.appendChild(el('div', { className: 'table-wrap' }, [el('table', { className: 'audit-table' }, [
        el('thead', {}, [el('tr', {}, heads.map((h) => el('th', { scope: 'col', text: h })))]),
        el('tbody', {}, data.items.map((a) => {
          const detail = auditText(a);
          return el('tr', { 'data-testid': 'audit-row', 'data-action': a.action }, [
            el('td', { className: 'nowrap', 'data-label': heads[0] }, [timeEl(a.at)]),
            el('td', { className: 'audit-actor', 'data-label': heads[1], text: a.actor.label || T.t('admin.actor.' + a.actor.kind) }),
            el('td', { 'data-label': heads[2], text: actionText(a.action) }),
            el('td', { className: 'audit-detail' + (detail ? '' : ' empty'), 'data-label': heads[3], 'data-testid': 'audit-detail', text: detail }),
            el('td', { className: 'mono small' + (a.client_ip ? '' : ' empty'), 'data-label': heads[4], text: a.client_ip || '' })
          ]);
        }))
      ])]));
    } catch (err) {
      loaded = false;
      clear(body);
      body.appendChild(el('p', { className: 'field-error', text: failure(err) }));
    }
  });
  return details;
}
