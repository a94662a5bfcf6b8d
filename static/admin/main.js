/* The moderators' single-page UI at /admin, as ES modules without a build step: this module
 * signs in, loads /api/v1/meta and the staff list, wires every page to the router, and redraws
 * them when the language changes. The session is an HttpOnly cookie; every state-changing
 * request carries the session's X-CSRF-Token (api.js). Everything a consumer or staff member
 * wrote is inserted as text (textContent / text nodes), never as HTML.
 *
 *   state.js  api.js  meta.js  dom.js  dialogs.js  router.js  keyboard.js   shared helpers
 *   queue.js  case.js (+ transition.js signals.js evidence.js lightbox.js mail.js audit.js)
 *   merchants.js  hotlines.js  regulators.js  deliveries.js  users.js       one module per page
 */
import * as T from '../i18n.js';
import * as QL from '../common.js';
import { $, toast, notice, showView } from './dom.js';
import { api, failure, whenSessionEnds } from './api.js';
import { session } from './state.js';
import { initDialogs, closeDialogs, openDialog } from './dialogs.js';
import { register, route, initRouter } from './router.js';
import { initKeyboard, renderHelp } from './keyboard.js';
import { initLightbox, refreshLightbox } from './lightbox.js';
import { openQueue, initQueue, fillQueueFilters, renderQueue } from './queue.js';
import { openCase, initCase, forgetCase, renderCasePreserving } from './case.js';
import { openMerchants, openMerchant, initMerchants, fillMerchantFilters, renderMerchantPages } from './merchants.js';
import { openHotlines, initHotlines, renderHotlines } from './hotlines.js';
import { openRegulators, initRegulators, renderRegulatorsPage } from './regulators.js';
import { openDeliveries, initDeliveries, renderDeliveriesPage } from './deliveries.js';
import { openUsers, initUsers, renderUsersPage } from './users.js';

// ---- session ----------------------------------------------------------------

function setSession(s) {
  session.user = s.user;
  session.csrf = s.csrf_token;
  $('staff-nav').hidden = false;
  const admin = s.user.role === 'admin';
  $('nav-users').hidden = !admin;
  $('nav-regulators').hidden = !admin;
  $('nav-deliveries').hidden = !admin;
  renderWhoami();
}

function renderWhoami() {
  if (!session.user) return;
  $('whoami').textContent = session.user.email + ' · ' + T.t('role.' + session.user.role);
}

function showLogin(message) {
  closeDialogs();
  $('staff-nav').hidden = true;
  showView('login-view');
  document.title = T.t('admin.login.title') + ' · ' + T.t('admin.title');
  const box = $('login-error');
  box.textContent = message || '';
  box.hidden = !message;
  $('login-email').focus();
}

function signedOut() {
  forgetCase();
  session.user = null;
  session.csrf = null;
}

async function login(e) {
  e.preventDefault();
  const email = $('login-email').value.trim();
  const password = $('login-password').value;
  const box = $('login-error');
  box.hidden = true;
  if (!email || !password) {
    box.textContent = T.t('admin.login.missing');
    box.hidden = false;
    return;
  }
  $('login-submit').disabled = true;
  try {
    const s = await api('POST', '/api/v1/auth/login', { email, password });
    $('login-password').value = '';
    setSession(s);
    await afterLogin();
  } catch (err) {
    let message;
    if (err.status === 401) message = T.t('admin.login.failed');
    else if (err.status === 429) {
      const secs = Number(err.headers && err.headers.get('Retry-After')) || 60;
      message = T.t('admin.login.throttled', { min: Math.max(1, Math.ceil(secs / 60)) });
    } else message = failure(err);
    box.textContent = message;
    box.hidden = false;
    $('login-password').focus();
  } finally {
    $('login-submit').disabled = false;
  }
}

async function logout() {
  try { await api('POST', '/api/v1/auth/logout'); } catch (e) { /* the session is gone either way */ }
  signedOut();
  showLogin();
  toast(T.t('admin.logged_out'));
}

/** The signed-in staff member chooses a new password; their other sessions end. */
function changePassword() {
  const min = 12;
  openDialog({
    title: T.t('admin.password.title'),
    text: T.t('admin.password.text'),
    ok: T.t('admin.password.ok'),
    fields: [
      ['current_password', 'admin.password.current', { password: 'current-password', required: true }],
      ['new_password', 'admin.password.new', { password: 'new-password', required: true, minChars: min, maxChars: 256 }],
      ['repeat_password', 'admin.password.repeat', { password: 'new-password', required: true }]
    ],
    check: (name, value) => (name === 'repeat_password' && value !== $('confirm-new_password').value
      ? T.t('admin.password.mismatch') : ''),
    run: async (values) => {
      await api('POST', '/api/v1/auth/password', {
        current_password: values.current_password,
        new_password: values.new_password
      });
      toast(T.t('admin.password.done'));
    }
  });
}

/** Meta (labels, lifecycle, limits) and the staff list, then the page the address names. */
async function afterLogin() {
  notice('');
  const [, staff] = await Promise.all([
    QL.loadMeta().catch(() => null),
    api('GET', '/api/v1/staff').then((r) => r.items).catch(() => [])
  ]);
  session.staff = staff;
  fillQueueFilters();
  fillMerchantFilters();
  route({ focus: true });
}

// ---- start-up -----------------------------------------------------------------

function redraw() {
  renderWhoami();
  renderHelp();
  renderQueue();
  if (!$('case-view').hidden) renderCasePreserving();
  renderUsersPage();
  renderRegulatorsPage();
  renderDeliveriesPage();
  renderMerchantPages();
  renderHotlines();
  refreshLightbox();
}

register('queue', (r, focus) => openQueue(r.params, focus));
register('case', (r) => openCase(r.ref, { focus: true }));
register('merchants', (r, focus) => openMerchants(r.params, focus));
register('merchant', (r) => openMerchant(r.id, true));
register('hotlines', (r, focus) => openHotlines(r.params, focus));
register('users', (r, focus) => openUsers(focus), { admin: true });
register('regulators', (r, focus) => openRegulators(focus), { admin: true });
register('deliveries', (r, focus) => openDeliveries(r.params, focus), { admin: true });

whenSessionEnds(() => {
  signedOut();
  showLogin(T.t('admin.err.session'));
});

$('login-form').addEventListener('submit', login);
$('logout-button').addEventListener('click', logout);
$('password-button').addEventListener('click', changePassword);
initDialogs();
initLightbox();
initKeyboard();
initQueue();
initCase();
initMerchants();
initHotlines();
initRegulators();
initDeliveries();
initUsers();
initRouter();
T.onChange(redraw);

async function boot() {
  QL.initLangSwitch();
  renderHelp();
  try {
    setSession(await api('GET', '/api/v1/auth/session'));
  } catch (err) {
    showLogin(err.status === 401 ? '' : failure(err));
    return;
  }
  await afterLogin();
}

boot();
