/* Moving a case: the confirmation dialog for each allowed transition, its fields and what they
 * must hold (from the lifecycle in /api/v1/meta: `requires` and `min_reason_chars`), and for
 * `validated` where the case goes (the directory's match, or regulators chosen by hand). */
import * as T from '../i18n.js';
import * as QL from '../common.js';
import { $, el, clear, recipientNode, toast } from './dom.js';
import { api, casePath, failure } from './api.js';
import { vocab, statusLabel, edge, limit, coverageText } from './meta.js';
import { updateQueueItem } from './queue.js';
import { openDialog, currentDialog, dialogError, disableConfirm, forgetReturnFocus } from './dialogs.js';

/** Keyboard shortcut → the transition it asks for on a case. */
export const ACTION_KEYS = { u: 'under_review', i: 'needs_info', v: 'validated', r: 'rejected', d: 'duplicate', c: 'closed' };

export function keyFor(to) {
  return Object.keys(ACTION_KEYS).find((k) => ACTION_KEYS[k] === to) || null;
}

/** The button's words for a move ("start review", "resume", "reopen" are all → under_review). */
export function actionLabel(from, to) {
  if (to === 'under_review') {
    if (from === 'submitted') return T.t('admin.act.start');
    if (from === 'needs_info') return T.t('admin.act.resume');
    return T.t('admin.act.reopen');
  }
  return T.has('admin.act.' + to) ? T.t('admin.act.' + to) : statusLabel(to);
}

function canonicalRef(value) {
  const compact = String(value || '').toUpperCase().replace(/[\s-]/g, '');
  return /^QL[0-9A-Z]{8}$/.test(compact) ? 'QL-' + compact.slice(2, 6) + '-' + compact.slice(6) : null;
}

/**
 * The dialog's fields for a move: which ones show is the page's choice, which are required (and
 * how long a reason must be) is the lifecycle's.
 */
function fieldsFor(c, to) {
  const e = edge(c.status, to);
  const requires = e ? e.requires : null;
  const max = limit('max_reason_chars');
  const text = (name, labelKey, hint, extra) => [name, labelKey, Object.assign({
    hint,
    required: requires === name,
    minChars: name === 'reason' && requires === 'reason' && e.min_reason_chars > 1 ? e.min_reason_chars : null,
    maxChars: name === 'duplicate_of' ? null : max
  }, extra || {})];
  if (to === 'validated') {
    const reason = text('reason', 'admin.fld.validation_reason', 'admin.fld.validation_reason.hint');
    reason[2].hintParams = { min: reason[2].minChars || 1 };
    return [reason, text('public_note', 'admin.fld.public_note', 'admin.fld.public_note.hint', { rows: 2 })];
  }
  if (to === 'rejected') return [text('reason', 'admin.fld.reason', 'admin.fld.reason.hint')];
  if (to === 'needs_info') return [text('public_note', 'admin.fld.question', 'admin.fld.question.hint')];
  if (to === 'duplicate') {
    return [
      text('duplicate_of', 'admin.fld.duplicate_of', 'admin.fld.duplicate_of.hint', { input: true, list: (c.related || []).map((r) => r.reference) }),
      text('reason', 'admin.fld.internal_reason', 'admin.fld.internal_reason.hint')
    ];
  }
  return [text('public_note', 'admin.fld.public_note', 'admin.fld.public_note.hint')];
}

/** Opens the dialog that moves case `c` to `to`; `reopen()` reloads the case and resolves it (or null). */
export function openTransition(c, to, reopen) {
  if (!c || !c.allowed_transitions.includes(to) || $('confirm-dialog').open) return;
  const from = c.status;
  const label = actionLabel(from, to);
  const routing = to === 'validated' ? routingPicker(c) : null;
  const spec = {
    title: label,
    text: T.t('admin.confirm.text', { ref: c.reference, from: statusLabel(from), to: statusLabel(to) }),
    fields: fieldsFor(c, to),
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
      const res = await api('POST', casePath(c.reference, '/transitions'), body);
      updateQueueItem(c.reference, { status: res.status });
      toast(T.t(res.status === 'validated' ? 'admin.moved.validated' : 'admin.moved', { ref: c.reference, status: statusLabel(res.status) }));
      forgetReturnFocus();
      await reopen();
    },
    onError: async (err) => {
      if (err.status === 409) {
        const fresh = await reopen();
        const now = fresh ? fresh.status : from;
        dialogError(now !== from
          ? T.t('admin.conflict.moved', { status: statusLabel(now) })
          : T.t('admin.conflict.illegal'));
        disableConfirm();
        $('confirm-cancel').focus();
        return true;
      }
      if (err.status === 403) {
        dialogError(T.t('admin.err.admin_only'));
        disableConfirm();
        return true;
      }
      return false;
    }
  };
  openDialog(spec);
  if (routing) routing.load(spec);
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
    clear(summary);
    if (!data) return;
    const where = QL.listText([
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
    clear(choices);
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
      const res = await api('GET', casePath(c.reference, '/routing'));
      if (currentDialog() !== spec) return;
      data = res;
      initial = res.default_inbox ? [] : res.targets.map((t) => t.regulator_id).filter((id) => id !== null);
      renderChoices();
      renderSummary();
    } catch (err) {
      if (currentDialog() !== spec || err.status === 401) return;
      clear(summary);
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
