/* The confirmation dialog (#confirm-dialog) that every action with consequences goes through:
 * its fields, their checks (again on each keystroke once a field was found wrong, so a stale
 * message never stays), the server's field errors placed next to the fields, and focus. */
import * as T from '../i18n.js';
import * as QL from '../common.js';
import { $, el, clear } from './dom.js';
import { failure } from './api.js';

/** The open dialog's spec, or null. */
let pending = null;
/** Where the focus goes back to when the dialog closes. */
let returnFocus = null;

/** The spec of the open dialog (for async work that must not touch a dialog opened since). */
export function currentDialog() {
  return pending;
}

/**
 * One field. opts: {required, minChars, maxChars, input (a one-line input, else a textarea),
 * password (a password input; its value is the autocomplete token),
 * list (datalist values), hint (a key), hintParams, rows}.
 */
function dialogField(name, labelKey, opts) {
  const id = 'confirm-' + name;
  const described = opts.hint ? id + '-hint' : null;
  const control = opts.password
    ? el('input', { type: 'password', id, name, 'data-field': true, autocomplete: opts.password, required: !!opts.required, 'aria-describedby': described })
    : opts.input
    ? el('input', { type: 'text', id, name, 'data-field': true, autocomplete: 'off', list: opts.list ? id + '-list' : null, required: !!opts.required, 'aria-describedby': described })
    : el('textarea', { id, name, 'data-field': true, rows: String(opts.rows || 4), required: !!opts.required, 'aria-describedby': described });
  return el('div', { className: 'field' }, [
    el('label', { 'for': id }, [T.t(labelKey), opts.required ? el('span', { className: 'req', 'aria-hidden': 'true', text: '*' }) : null]),
    opts.hint ? el('p', { className: 'hint', id: id + '-hint', text: T.t(opts.hint, opts.hintParams) }) : null,
    control,
    opts.list ? el('datalist', { id: id + '-list' }, opts.list.map((v) => el('option', { value: v }))) : null,
    el('p', { className: 'field-error', id: 'error-' + id })
  ]);
}

/** What is wrong with one field's value ('' when nothing). */
function problemOf(spec, control) {
  const opts = (spec.fieldOpts && spec.fieldOpts[control.name]) || {};
  const value = control.value.trim();
  const n = QL.charCount(value);
  if (opts.required && !value) return T.t('code.required');
  if (value && opts.minChars && n < opts.minChars) return T.t('v.min', { min: opts.minChars });
  if (opts.maxChars && n > opts.maxChars) return T.t('v.max', { max: opts.maxChars });
  return spec.check ? spec.check(control.name, value) || '' : '';
}

/** Shows (or clears) a field's message; true when the field is fine. */
function showProblem(control, message) {
  const error = $('error-' + control.id);
  error.textContent = '';
  control.removeAttribute('aria-invalid');
  if (message) QL.setFieldError(control, error, [message]);
  return !message;
}

/**
 * Opens the dialog: {title, text, fields: [[name, labelKey, opts]], ok, danger, run(values)};
 * optionally `extra` (a node shown above the fields), `check(name, value)` (a message or ''),
 * `collect(values)` (adds to the values, returns the control to focus when something is wrong),
 * `placeError(fieldError)` ({control, error, text} for a server error the fields do not cover)
 * and `onError(err)` (true when it handled a failed run).
 *
 * The focus goes to the first field, never to the button that carries the action out: a
 * keyboard user confirms on purpose. Without fields it goes to the button, or to Cancel for a
 * dangerous action.
 */
export function openDialog(spec) {
  const dialog = $('confirm-dialog');
  returnFocus = document.activeElement;
  $('confirm-title').textContent = spec.title;
  $('confirm-text').textContent = spec.text;
  const fields = $('confirm-fields');
  clear(fields);
  if (spec.extra) fields.appendChild(spec.extra);
  spec.fieldOpts = {};
  (spec.fields || []).forEach(([name, key, opts]) => {
    spec.fieldOpts[name] = opts || {};
    fields.appendChild(dialogField(name, key, opts || {}));
  });
  dialogError('');
  const ok = $('confirm-ok');
  ok.textContent = spec.ok;
  ok.className = spec.danger ? 'danger-solid' : 'primary';
  ok.disabled = false;
  pending = spec;
  // Modal dialogs focus their first focusable element on opening; `autofocus` makes that the field.
  const first = fields.querySelector('[data-field]');
  if (first) first.setAttribute('autofocus', '');
  dialog.showModal();
  (first || (spec.danger ? $('confirm-cancel') : ok)).focus();
}

export function closeDialogs() {
  ['confirm-dialog', 'help-dialog', 'lightbox'].forEach((id) => { if ($(id).open) $(id).close(); });
}

/** Whether some dialog is open. */
export function dialogOpen() {
  return !!document.querySelector('dialog[open]');
}

/** The message under the fields (hidden when empty). */
export function dialogError(text) {
  const box = $('confirm-error');
  box.textContent = text;
  box.hidden = !text;
}

/** Keeps the OK button from running again (after a conflict the move is no longer possible). */
export function disableConfirm() {
  $('confirm-ok').disabled = true;
}

/** Drops the element the focus returns to on closing (the caller moves it itself). */
export function forgetReturnFocus(target) {
  returnFocus = target || null;
}

/**
 * Shows server field errors next to their controls: `place(fe)` gives {control, error, text,
 * focus?} or null. Several errors on one control are joined. Returns the control to focus (the
 * first placed), or null when none could be placed.
 */
export function placeFieldErrors(errors, place) {
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

/** Wires the dialog's buttons and form once. */
export function initDialogs() {
  $('confirm-cancel').addEventListener('click', () => $('confirm-dialog').close());
  $('confirm-dialog').addEventListener('close', () => {
    pending = null;
    const back = returnFocus;
    returnFocus = null;
    if (back && document.contains(back)) back.focus();
    else if ($('case-heading') && !$('case-view').hidden) $('case-heading').focus();
  });

  // A field once found wrong is checked again as it changes: its message goes as soon as it is fine.
  $('confirm-fields').addEventListener('input', (e) => {
    const control = e.target;
    if (!pending || !control.hasAttribute || !control.hasAttribute('data-field')) return;
    if (control.getAttribute('aria-invalid') === 'true') showProblem(control, problemOf(pending, control));
  });

  $('confirm-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const spec = pending;
    if (!spec || $('confirm-ok').disabled) return;
    const values = {};
    let invalid = null;
    $('confirm-fields').querySelectorAll('[data-field]').forEach((c) => {
      values[c.name] = c.type === 'password' ? c.value : c.value.trim();
      if (!showProblem(c, problemOf(spec, c))) invalid = invalid || c;
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
}
