/* The regulator directory (#/regulators, admins only): who receives validated cases, by the
 * merchant's province and the report's category (an empty list means all), and the default
 * inbox for the rest. An entry whose stored list cannot be read comes with `null` for that list
 * and `problems`: it is shown with a warning, and saving it needs the list chosen again. */
import * as T from '../i18n.js';
import * as QL from '../common.js';
import { $, el, clear, colon, recipientNode, toast, notice, showView, setTitle } from './dom.js';
import { api, failure } from './api.js';
import { meta, loaded, vocab, coverageText } from './meta.js';
import { openDialog, dialogError, disableConfirm, forgetReturnFocus, placeFieldErrors } from './dialogs.js';

const LISTS = ['provinces', 'categories'];

const regulators = {
  items: [], inbox: null, loaded: false,
  /** The entry being edited, or null (the form adds one). */
  editing: null,
  /** Per list: whether the admin touched it since the form was filled (an unreadable one must be). */
  touched: { provinces: false, categories: false }
};

export async function openRegulators(focus) {
  showView('regulators-view');
  setTitle(T.t('admin.reg.title'));
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
    regulators.items = data.items;
    regulators.inbox = data.default_inbox;
    regulators.loaded = true;
    renderRegulators();
    notice('');
  } catch (err) {
    if (err.status !== 401) notice(failure(err));
  }
}

/** Whether the entry's stored `list` could not be read. */
function unreadable(r, list) {
  return !!r && r[list] === null;
}

/** The province and category checkboxes, from /api/v1/meta (their ticks survive a language switch). */
function buildRegulatorChoices() {
  const m = meta();
  const fill = (box, name, list) => {
    const ticked = new Set(checkedValues(box));
    clear(box);
    list.forEach((item, i) => {
      const id = 'reg-' + name + '-' + i;
      const input = el('input', { type: 'checkbox', id, name, value: item.code });
      input.checked = ticked.has(item.code);
      box.appendChild(el('div', { className: 'check' }, [input, el('label', { 'for': id, text: T.label(item) })]));
    });
  };
  fill($('reg-provinces-choices'), 'provinces', m.provinces);
  fill($('reg-categories-choices'), 'categories', m.categories);
  if (!loaded()) {
    $('reg-form-error').textContent = T.t('err.meta');
    $('reg-form-error').hidden = false;
  }
  updateChoiceHints();
}

function checkedValues(box) {
  return Array.from(box.querySelectorAll('input[type=checkbox]:checked')).map((b) => b.value);
}

function setChecked(box, values) {
  box.querySelectorAll('input[type=checkbox]').forEach((b) => { b.checked = (values || []).includes(b.value); });
}

function sameSet(a, b) {
  return !!a && !!b && a.length === b.length && a.every((v) => b.includes(v));
}

/** Whether `list` of the edited entry is unreadable and not chosen again yet. */
function stillUnreadable(list) {
  return unreadable(regulators.editing, list) && !regulators.touched[list];
}

function updateChoiceHints() {
  const p = checkedValues($('reg-provinces-choices')).length;
  $('reg-provinces-hint').textContent = stillUnreadable('provinces') ? T.t('admin.reg.unreadable.choose')
    : p ? T.t('admin.reg.provinces.some', { n: p }) : T.t('admin.reg.provinces.all');
  const c = checkedValues($('reg-categories-choices')).length;
  $('reg-categories-hint').textContent = stillUnreadable('categories') ? T.t('admin.reg.unreadable.choose')
    : c ? T.t('admin.reg.categories.some', { n: c }) : T.t('admin.reg.categories.all');
  $('reg-provinces-clear').disabled = !p && !stillUnreadable('provinces');
  $('reg-categories-clear').disabled = !c && !stillUnreadable('categories');
  LISTS.forEach((list) => $('reg-' + list).classList.toggle('unreadable', stillUnreadable(list)));
}

function renderRegulatorFormMode() {
  const editing = regulators.editing;
  $('reg-form-heading').textContent = editing ? T.t('admin.reg.edit.title', { name: editing.name }) : T.t('admin.reg.add');
  $('reg-submit').textContent = T.t(editing ? 'admin.reg.save' : 'admin.reg.create');
  $('reg-cancel').hidden = !editing;
  $('reg-form').classList.toggle('editing', !!editing);
}

function resetRegulatorForm() {
  regulators.editing = null;
  regulators.touched = { provinces: false, categories: false };
  $('reg-form').reset();
  QL.clearFieldErrors($('reg-form'));
  if (loaded()) $('reg-form-error').hidden = true;
  renderRegulatorFormMode();
  updateChoiceHints();
}

function editRegulator(r) {
  resetRegulatorForm();
  regulators.editing = r;
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

/** The warning of an entry with an unreadable list. */
function problemNote(r) {
  const lists = LISTS.filter((list) => unreadable(r, list));
  if (!lists.length) return null;
  const what = QL.listText(lists.map((list) => T.t('admin.reg.unreadable.what.' + list)));
  return el('p', { className: 'reg-warning', 'data-testid': 'regulator-problem', role: 'note' }, [
    T.t('admin.reg.unreadable.row', { what })
  ]);
}

/** A coverage cell: "all", the names, or a warning when the stored list cannot be read. */
function coverageCell(r, list, allKey, max) {
  if (unreadable(r, list)) return el('span', { className: 'badge s-problem', text: '⚠ ' + T.t('admin.reg.unreadable') });
  return coverageText(r[list], list, allKey, max);
}

function renderRegulators() {
  const st = regulators;
  const inbox = st.inbox || {};
  const address = $('default-inbox-address');
  clear(address);
  if (inbox.email) address.appendChild(recipientNode(inbox.name, inbox.email));
  const rows = $('regulators-rows');
  clear(rows);
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
    const broken = LISTS.some((list) => unreadable(r, list));
    rows.appendChild(el('tr', {
      'data-testid': 'regulator-row', 'data-regulator-id': String(r.id),
      className: (r.active ? '' : 'inactive') + (broken ? ' broken' : '')
    }, [
      el('th', { scope: 'row', className: 'reg-name', 'data-label': heads[0] }, [el('span', { text: r.name }), problemNote(r)]),
      el('td', { className: 'reg-email', 'data-label': heads[1], text: r.email }),
      el('td', { 'data-label': heads[2] }, [coverageCell(r, 'provinces', 'admin.reg.all_provinces', 8)]),
      el('td', { 'data-label': heads[3] }, [coverageCell(r, 'categories', 'admin.reg.all_categories')]),
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
      if (regulators.editing && regulators.editing.id === r.id) resetRegulatorForm();
      forgetReturnFocus($('regulators-heading'));
      await loadRegulators();
    },
    onError: async (err) => {
      if (err.status !== 404) return false;
      dialogError(T.t('admin.reg.gone'));
      disableConfirm();
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

async function submitRegulator(e) {
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
  // A list the server cannot read is not guessed: the admin chooses it again.
  LISTS.forEach((list) => {
    if (!stillUnreadable(list)) return;
    const group = $('reg-' + list);
    QL.setFieldError(group, $('error-reg-' + list), [T.t('admin.reg.unreadable.required')]);
    bad = bad || group.querySelector('input');
  });
  if (bad) {
    bad.focus();
    return;
  }
  const editing = regulators.editing;
  let body = values;
  if (editing) {
    body = {};
    if (values.name !== editing.name) body.name = values.name;
    if (values.email !== editing.email) body.email = values.email;
    LISTS.forEach((list) => {
      if (unreadable(editing, list) || !sameSet(values[list], editing[list])) body[list] = values[list];
    });
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
}

/** Redraws in the current language (once the page was opened). */
export function renderRegulatorsPage() {
  if (!$('reg-provinces-choices').firstChild) return;
  buildRegulatorChoices();
  renderRegulatorFormMode();
  if (regulators.loaded) renderRegulators();
}

export function initRegulators() {
  LISTS.forEach((list) => $('reg-' + list).addEventListener('change', () => {
    regulators.touched[list] = true;
    updateChoiceHints();
  }));
  // "Clear" is a choice too: all provinces (or categories), also for a list that was unreadable.
  LISTS.forEach((list) => $('reg-' + list + '-clear').addEventListener('click', () => {
    regulators.touched[list] = true;
    setChecked($('reg-' + list + '-choices'), []);
    updateChoiceHints();
    const first = $('reg-' + list + '-choices').querySelector('input');
    if (first) first.focus();
  }));
  $('reg-cancel').addEventListener('click', () => {
    const editing = regulators.editing;
    resetRegulatorForm();
    if (editing) focusRow('data-edit', editing.id);
  });
  $('reg-form').addEventListener('submit', submitRegulator);
}
