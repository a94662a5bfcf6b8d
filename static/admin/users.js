/* Staff accounts (#/users, admins only): the list, disabling an account, adding one. */
import * as T from '../i18n.js';
import * as QL from '../common.js';
import { $, el, clear, timeEl, toast, notice, showView, shown, setTitle } from './dom.js';
import { api, failure } from './api.js';
import { openDialog, forgetReturnFocus } from './dialogs.js';
import { session } from './state.js';
import { fillQueueFilters } from './queue.js';

let users = [];

export async function openUsers(focus) {
  showView('users-view');
  setTitle(T.t('admin.users.title'));
  if (focus) $('users-heading').focus();
  try {
    const data = await api('GET', '/api/v1/admin/users');
    users = data.items;
    renderUsers();
  } catch (err) {
    if (err.status !== 401) notice(failure(err));
  }
}

function renderUsers() {
  const body = $('users-rows');
  clear(body);
  users.forEach((u) => {
    let action = null;
    if (!u.disabled && u.id !== session.user.id) {
      action = el('button', { type: 'button', className: 'small danger', 'aria-label': T.t('admin.users.disable.label', { email: u.email }), text: T.t('admin.users.disable') });
      action.addEventListener('click', () => openDialog({
        title: T.t('admin.users.disable.title'),
        text: T.t('admin.users.disable.text', { email: u.email }),
        ok: T.t('admin.users.disable'),
        danger: true,
        run: async () => {
          await api('POST', '/api/v1/admin/users/' + u.id + '/disable');
          toast(T.t('admin.users.disabled', { email: u.email }));
          forgetReturnFocus($('users-heading'));
          await openUsers(false);
        }
      }));
    }
    body.appendChild(el('tr', { 'data-testid': 'user-row' }, [
      el('td', { text: u.email + (u.id === session.user.id ? ' (' + T.t('admin.me') + ')' : '') }),
      el('td', { text: T.t('role.' + u.role) }),
      el('td', {}, [el('span', { className: 'badge ' + (u.disabled ? 's-closed-off' : 's-active'), text: T.t(u.disabled ? 'admin.users.off' : 'admin.users.on') })]),
      el('td', { className: 'nowrap' }, [timeEl(u.created_at)]),
      el('td', {}, [action])
    ]));
  });
}

/** Redraws in the current language. */
export function renderUsersPage() {
  if (shown('users-view')) renderUsers();
}

export function initUsers() {
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
      api('GET', '/api/v1/staff').then((r) => { session.staff = r.items; fillQueueFilters(); }).catch(() => {});
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
}
