/* A case (#/case/QL-XXXX-XXXX): what was reported, the signals and priority, the evidence, the
 * timeline, the mail to regulators (followed live while it is on its way), assignment, internal
 * notes, related cases and the audit trail; the actions its status allows (keys u i v r d c),
 * n (note), a (assign to me), b / Esc (back), j / k (next / previous case in the queue). */
import * as T from '../i18n.js';
import * as QL from '../common.js';
import {
  $, el, clear, badge, colon, timeEl, section, detailRow, urlNode, toast, showView, onViewChange, shown, setTitle
} from './dom.js';
import { api, casePath, failure } from './api.js';
import { vocab, statusLabel, limit } from './meta.js';
import { session, staffEmail } from './state.js';
import { queueHash, queuePosition, queueNeighbour, updateQueueItem, setLastOpened, deadlineNode } from './queue.js';
import { signalsSection, signalsPending, priorityScoreNode, merchantLink } from './signals.js';
import { evidenceSection } from './evidence.js';
import { deliveryItem, retryDelivery } from './mail.js';
import { auditSection } from './audit.js';
import { openTransition, actionLabel, ACTION_KEYS, keyFor } from './transition.js';
import { dialogOpen } from './dialogs.js';

/** The case on screen (the API's case detail), and a counter that drops stale answers. */
let caseData = null;
let caseSeq = 0;

const POLL_MS = 3000;
/** Every refresh of a case is an audited view of the reporter's contact: keep them few. */
const POLL_MAX = 60;
/** Signals are computed within seconds of filing: look a few times, then leave it to the Refresh button. */
const SIGNALS_POLL_MS = 2000;
const SIGNALS_POLL_MAX = 15;

/** Auto-refresh of the open case while mail is on its way (`mail`) or its signals are being computed (`signals`). */
const poll = { timer: null, count: 0, paused: false, mail: false, signals: false, signalsPaused: false, rendered: '' };

export function currentCase() {
  return caseData;
}

function backLink() {
  return el('a', { href: queueHash(), className: 'back-link', text: '← ' + T.t('admin.back') });
}

/** Reloads the case after an action, keeping what the moderator was doing; resolves it (or null). */
async function reopen() {
  if (caseData) await openCase(caseData.reference, { focus: false });
  return caseData;
}

export async function openCase(ref, opts) {
  opts = opts || {};
  showView('case-view');
  const view = $('case-view');
  const seq = ++caseSeq;
  stopPolling();
  if (!caseData || caseData.reference !== ref) {
    clear(view);
    view.appendChild(el('p', { className: 'hint loading', text: T.t('admin.loading') }));
  }
  try {
    const data = await api('GET', casePath(ref));
    if (seq !== caseSeq) return;
    caseData = data;
    setLastOpened(data.reference);
    setTitle(data.reference);
    poll.count = 0;
    schedulePoll();
    if (opts.focus) {
      renderCase();
      $('case-heading').focus();
    } else renderCasePreserving();
  } catch (err) {
    if (seq !== caseSeq || err.status === 401) return;
    stopPolling();
    caseData = null;
    clear(view);
    view.appendChild(backLink());
    view.appendChild(el('div', {
      className: 'notice error', role: 'alert',
      text: err.status === 404 ? T.t('admin.case.notfound', { ref }) : failure(err)
    }));
  }
}

/** Forgets the case (after signing out). */
export function forgetCase() {
  stopPolling();
  caseData = null;
}

function renderCase() {
  const c = caseData;
  if (!c) return;
  const view = $('case-view');
  // A note being written survives a re-render (after an action, an assignment, a language switch).
  const draft = $('note-body') && view.getAttribute('data-reference') === c.reference ? $('note-body').value : '';
  poll.rendered = pollState();
  view.setAttribute('data-reference', c.reference);
  clear(view);

  const actions = el('div', { className: 'case-actions', role: 'group', 'aria-label': T.t('admin.actions') });
  if (!c.allowed_transitions.length) actions.appendChild(el('p', { className: 'hint', text: T.t('admin.actions.none') }));
  c.allowed_transitions.forEach((to) => {
    const key = keyFor(to);
    const cls = to === 'rejected' ? 'danger' : to === 'validated' || (to === 'under_review' && c.status === 'submitted') ? 'primary' : '';
    const button = el('button', {
      type: 'button', className: cls, 'data-action': to, 'aria-keyshortcuts': key
    }, [actionLabel(c.status, to), key ? el('kbd', { 'aria-hidden': 'true', text: key }) : null]);
    button.addEventListener('click', () => openTransition(c, to, reopen));
    actions.appendChild(button);
  });

  const position = queuePosition(c.reference);
  const head = el('div', { className: 'case-head' }, [
    el('div', { className: 'case-nav' }, [
      backLink(),
      position ? el('span', { className: 'hint', text: T.t('admin.case.position', { i: position.index + 1, n: position.total }) }) : null
    ]),
    el('h2', { id: 'case-heading', tabindex: '-1' }, [
      el('span', { className: 'mono', text: c.reference }), ' ', badge(c.status)
    ]),
    el('p', { className: 'hint case-meta' }, [
      T.t('d.created_at') + colon(), timeEl(c.created_at), ' · ',
      T.t('admin.updated') + colon(), timeEl(c.updated_at), ' · ',
      T.t('admin.col.priority') + colon(), priorityScoreNode(c),
      c.deadline ? ' · ' : null,
      c.deadline ? T.label(c.deadline.kind_label) + colon() : null,
      c.deadline ? deadlineNode(c.deadline) : null
    ]),
    c.duplicate_of ? el('p', { className: 'notice' }, [
      T.t('admin.case.duplicate_of') + ' ', el('a', { href: '#/case/' + c.duplicate_of, className: 'mono', text: c.duplicate_of })
    ]) : null,
    actions
  ]);
  view.appendChild(head);

  const deliveries = c.deliveries || [];
  const forwardingFirst = deliveries.some((d) => d.kind === 'regulator') || ['validated', 'forwarded', 'closed'].includes(c.status);
  const forwarding = forwardingFirst || deliveries.length ? forwardingSection(c) : null;
  const main = el('div', { className: 'case-main' }, [
    forwardingFirst ? forwarding : null,
    signalsSection(c, { paused: poll.signalsPaused, onRefresh: () => refreshCase(true) }),
    reportSection(c),
    c.hotline ? hotlineSection(c.hotline) : null,
    c.logistics ? logisticsSection(c.logistics) : null,
    evidenceSection(c),
    (c.regulator_responses || []).length ? responsesSection(c) : null,
    c.replies.length ? repliesSection(c) : null,
    timelineSection(c),
    forwardingFirst ? null : forwarding,
    auditSection(c)
  ]);
  const side = el('div', { className: 'case-side' }, [
    assignSection(c),
    contactSection(c),
    notesSection(c),
    relatedSection(c)
  ]);
  view.appendChild(el('div', { className: 'case-grid' }, [main, side]));
  if (draft) $('note-body').value = draft;
}

/**
 * Re-renders the case page keeping what the moderator was doing: the focused control (and the
 * caret in a text box), open <details>, the scroll position.
 */
export function renderCasePreserving() {
  const view = $('case-view');
  const active = document.activeElement;
  let focusSel = null;
  const hadFocus = !!active && active !== document.body && view.contains(active);
  if (hadFocus) {
    if (active.id) focusSel = '#' + CSS.escape(active.id);
    else {
      const key = ['data-action', 'data-retry', 'data-download'].find((a) => active.hasAttribute(a));
      if (key) focusSel = '[' + key + '="' + CSS.escape(active.getAttribute(key)) + '"]';
    }
  }
  const wasInForwarding = !!(active && active.closest && active.closest('#forwarding'));
  const wasInSignals = !!(active && active.closest && active.closest('#signals'));
  const selection = active && active.tagName === 'TEXTAREA' ? [active.selectionStart, active.selectionEnd] : null;
  const open = Array.from(view.querySelectorAll('details[id]')).filter((d) => d.open).map((d) => d.id);
  const y = window.scrollY;
  renderCase();
  open.forEach((id) => { if ($(id)) $(id).open = true; });
  window.scrollTo(0, y);
  if (!hadFocus) return;
  const target = (focusSel && view.querySelector(focusSel)) || (wasInForwarding && $('forwarding-heading')) ||
    (wasInSignals && $('signals-heading')) || $('case-heading');
  if (!target) return;
  target.focus({ preventScroll: true });
  if (selection && target.setSelectionRange) target.setSelectionRange(selection[0], selection[1]);
}

// ---- the auto-refresh while mail is on its way or signals are computed ----------------

function stopPolling() {
  clearTimeout(poll.timer);
  poll.timer = null;
}

/**
 * Refreshes the open case while one of its messages is pending (every few seconds when due,
 * else at its next attempt) or while its signals are being computed.
 */
function schedulePoll() {
  stopPolling();
  poll.paused = false;
  poll.mail = false;
  poll.signals = false;
  poll.signalsPaused = false;
  const c = caseData;
  if (!c || !shown('case-view')) return;
  const waits = [];
  if (signalsPending(c)) {
    if (poll.count < SIGNALS_POLL_MAX) {
      poll.signals = true;
      waits.push(SIGNALS_POLL_MS);
    } else poll.signalsPaused = true;
  }
  const pending = (c.deliveries || []).filter((d) => d.status === 'pending');
  if (pending.length) {
    if (poll.count >= POLL_MAX) poll.paused = true;
    else {
      const due = Math.min.apply(null, pending.map((d) => Date.parse(d.next_attempt_at) || 0));
      const wait = Math.max(POLL_MS, due - Date.now() + 1000);
      if (wait <= 10 * 60 * 1000) {
        poll.mail = true;
        waits.push(Math.min(wait, 60 * 1000));
      }
    }
  }
  if (!waits.length) return;
  const ref = c.reference;
  poll.timer = setTimeout(() => pollCase(ref), Math.min.apply(null, waits));
}

async function pollCase(ref) {
  poll.timer = null;
  const c = caseData;
  if (!session.user || !c || c.reference !== ref || !shown('case-view')) return;
  if (document.hidden || dialogOpen()) {
    poll.timer = setTimeout(() => pollCase(ref), POLL_MS);
    return;
  }
  poll.count += 1;
  await refreshCase(false);
}

/** What the forwarding section says about the auto-refresh. */
function pollHint() {
  if (poll.timer && poll.mail) return T.t('admin.fwd.auto');
  if (poll.paused) return T.t('admin.fwd.paused');
  return '';
}

/** Both auto-refresh messages: a re-render is due when either changes. */
function pollState() {
  return pollHint() + '|' + (poll.timer && poll.signals ? 's' : '') + (poll.signalsPaused ? 'p' : '');
}

/**
 * Reloads the open case in place; re-renders only when something changed (or when `manual`,
 * which also restarts the auto-refresh and, unless `quiet`, says it is done).
 */
async function refreshCase(manual, quiet) {
  const c = caseData;
  if (!c) return;
  const seq = ++caseSeq;
  try {
    const data = await api('GET', casePath(c.reference));
    if (seq !== caseSeq || !shown('case-view')) return;
    const same = JSON.stringify(data) === JSON.stringify(c);
    caseData = data;
    if (manual) poll.count = 0;
    schedulePoll();
    updateQueueItem(data.reference, { status: data.status });
    if (!same || manual || pollState() !== poll.rendered) renderCasePreserving();
    if (data.status !== c.status) toast(T.t('admin.moved', { ref: data.reference, status: statusLabel(data.status) }));
    else if (manual && !quiet) toast(T.t('admin.refreshed'));
  } catch (err) {
    if (seq !== caseSeq || err.status === 401) return;
    if (manual) toast(failure(err));
    schedulePoll();
  }
}

// ---- the sections -------------------------------------------------------------------

/** What the forwarding section leads with: nothing sent yet, sending, failed, or done. */
function forwardingLead(c, regulator) {
  if (!regulator.length) return T.t(c.status === 'validated' ? 'admin.fwd.none_validated' : 'admin.fwd.none');
  if (regulator.some((d) => d.status === 'failed')) return T.t(c.status === 'validated' ? 'admin.fwd.failed' : 'admin.fwd.failed_later');
  if (regulator.every((d) => d.status === 'accepted')) return T.t(regulator.length === 1 ? 'admin.fwd.done.one' : 'admin.fwd.done', { n: regulator.length });
  return T.t('admin.fwd.sending', { n: regulator.length });
}

function forwardingSection(c) {
  const all = c.deliveries || [];
  const regulator = all.filter((d) => d.kind === 'regulator');
  const notices = all.filter((d) => d.kind !== 'regulator');
  const refresh = el('button', { type: 'button', className: 'small', id: 'forwarding-refresh', text: T.t('admin.refresh') });
  refresh.addEventListener('click', () => refreshCase(true));
  const onRetry = async (d, button) => {
    if (await retryDelivery(d, button)) await refreshCase(true, true);
  };
  const hint = pollHint();
  return el('section', { className: 'card forwarding', id: 'forwarding', 'aria-labelledby': 'forwarding-heading' }, [
    el('div', { className: 'section-head' }, [
      el('h3', { id: 'forwarding-heading', tabindex: '-1', text: T.t('admin.fwd.title') }),
      refresh
    ]),
    el('p', { className: 'forwarding-lead', id: 'forwarding-lead', text: forwardingLead(c, regulator) }),
    hint ? el('p', { className: 'hint', id: 'forwarding-auto', text: hint }) : null,
    regulator.length ? el('ul', { className: 'delivery-list', id: 'regulator-deliveries', 'aria-label': T.t('admin.fwd.list') },
      regulator.map((d) => deliveryItem(d, { onRetry }))) : null,
    notices.length ? el('details', { className: 'notices', id: 'notices-details' }, [
      el('summary', { text: T.t('admin.fwd.notices', { n: notices.length }) }),
      el('ul', { className: 'delivery-list', id: 'notice-deliveries' }, notices.map((d) => deliveryItem(d, { showKind: true, compact: true, onRetry })))
    ]) : null
  ]);
}

function reportSection(c) {
  const dl = el('dl', { className: 'details' });
  detailRow(dl, 'f.category', vocab('categories', c.category));
  detailRow(dl, 'f.platform', vocab('platforms', c.platform));
  detailRow(dl, 'f.merchant_name', el('span', { className: 'merchant-cell' }, [
    el('span', { id: 'case-merchant-name', text: c.merchant_name }), ' ', merchantLink(c)
  ]));
  detailRow(dl, 'f.shop_url', c.shop_url ? urlNode(c.shop_url) : null);
  detailRow(dl, 'f.product_url', c.product_url ? urlNode(c.product_url) : null);
  detailRow(dl, 'f.order_id', c.order_id);
  detailRow(dl, 'f.province', c.merchant_province ? vocab('provinces', c.merchant_province) : null);
  detailRow(dl, 'f.city', c.merchant_city);
  const reviews = c.review_texts || [];
  return section('admin.case.report', [
    dl,
    el('h4', { text: T.t('sec.description') }),
    el('div', { id: 'case-description', className: 'prose', text: c.description }),
    reviews.length ? el('h4', { text: T.t('admin.case.reviews', { n: reviews.length }) }) : null,
    reviews.length ? el('ol', { className: 'review-list' },
      reviews.map((t) => el('li', { 'data-testid': 'review-text', text: t }))) : null
  ]);
}

function hotlineSection(h) {
  const dl = el('dl', { className: 'details' });
  detailRow(dl, 'f.hotline_number', el('span', { id: 'case-hotline-number', className: 'mono', text: h.number }));
  detailRow(dl, 'f.hotline_brand', h.impersonated_brand);
  detailRow(dl, 'f.hotline_found_via', h.found_via ? vocab('found_via', h.found_via) : null);
  detailRow(dl, 'f.hotline_found_url', h.found_url ? urlNode(h.found_url) : null);
  detailRow(dl, 'f.hotline_search_terms', h.search_terms);
  detailRow(dl, 'f.hotline_technician', h.technician_visited === null || h.technician_visited === undefined
    ? null : T.t(h.technician_visited ? 'd.hotline.visited' : 'd.hotline.not_visited'));
  detailRow(dl, 'f.hotline_amount', h.amount_paid_yuan === null || h.amount_paid_yuan === undefined
    ? null : T.t('d.hotline.amount', { yuan: h.amount_paid_yuan.toFixed(2) }));
  detailRow(dl, 'f.hotline_province', h.incident_province ? vocab('provinces', h.incident_province) : null);
  detailRow(dl, 'f.hotline_city', h.incident_city);
  return section('sec.hotline', [
    dl,
    h.page_text ? el('h4', { text: T.t('f.hotline_page_text') }) : null,
    h.page_text ? el('div', { id: 'case-hotline-page', className: 'prose', text: h.page_text }) : null
  ]);
}

function logisticsSection(l) {
  const dl = el('dl', { className: 'details' });
  detailRow(dl, 'f.carrier', l.carrier);
  detailRow(dl, 'f.tracking_number', l.tracking_number ? el('span', { className: 'mono', text: l.tracking_number }) : null);
  detailRow(dl, 'd.shipped_at', l.shipped_at ? timeEl(l.shipped_at) : null);
  detailRow(dl, 'd.delivered_at', l.delivered_at ? timeEl(l.delivered_at) : null);
  detailRow(dl, 'f.weight', l.declared_weight_kg === null || l.declared_weight_kg === undefined ? null : String(l.declared_weight_kg));
  detailRow(dl, 'f.origin', l.origin);
  detailRow(dl, 'f.destination', l.destination);
  const events = l.events || [];
  return section('track.logistics', [
    dl,
    events.length ? el('div', { className: 'table-wrap' }, [el('table', {}, [
      el('caption', { className: 'sr-only', text: T.t('f.events') }),
      el('thead', {}, [el('tr', {}, ['ev.time', 'ev.location', 'ev.description'].map((k) => el('th', { scope: 'col', text: T.t(k) })))]),
      el('tbody', {}, events.map((e) => el('tr', {}, [
        el('td', { className: 'nowrap' }, [timeEl(e.time)]),
        el('td', { text: e.location || '' }),
        el('td', { text: e.description || '' })
      ])))
    ])]) : null
  ]);
}

/** The regulators' answers; a question can be relayed to the reporter once. */
function responsesSection(c) {
  return section('admin.case.responses', [el('ol', { className: 'replies', id: 'regulator-responses' }, c.regulator_responses.map((r) => {
    const lines = [
      ['admin.resp.own_reference', r.own_reference], ['admin.resp.expected_date', r.expected_date],
      ['admin.resp.reason', r.reason], ['admin.resp.question', r.question],
      ['admin.resp.outcome', r.outcome], ['admin.resp.public_summary', r.public_summary]
    ].filter(([, v]) => v).map(([k, v]) => el('p', { className: 'prose', text: T.t(k) + colon() + v }));
    let relay = null;
    if (r.kind === 'needs_info') {
      if (r.relayed_at) {
        relay = el('p', { className: 'hint', text: T.t(r.answered_by_reply_id ? 'admin.resp.answered' : 'admin.resp.relayed') });
      } else {
        relay = el('button', { type: 'button', className: 'small', 'data-relay': String(r.id), text: T.t('admin.resp.relay') });
        relay.addEventListener('click', async () => {
          relay.disabled = true;
          try {
            await api('POST', casePath(c.reference, '/regulator-responses/' + r.id + '/relay'), {});
            toast(T.t('admin.resp.relayed'));
            refreshCase(true);
          } catch (err) {
            relay.disabled = false;
            toast(failure(err), true);
          }
        });
      }
    }
    return el('li', { 'data-kind': r.kind }, [
      timeEl(r.created_at),
      el('strong', { text: r.regulator + colon() + T.label(r.kind_label) }),
      ...lines,
      relay
    ]);
  }))]);
}

function repliesSection(c) {
  return section('admin.case.replies', [el('ol', { className: 'replies' }, c.replies.map((r) => {
    const files = (c.evidence || []).filter((e) => e.reply_id === r.id);
    return el('li', {}, [
      timeEl(r.created_at),
      el('p', { className: 'prose', text: r.message }),
      files.length ? el('p', { className: 'hint', text: T.t('admin.reply.files', { names: QL.listText(files.map((f) => f.display_name)) }) }) : null
    ]);
  }))]);
}

function actorText(entry) {
  if (entry.actor) return entry.actor;
  if (entry.status === 'submitted' || (entry.from === 'needs_info' && entry.status === 'under_review')) return T.t('admin.actor.consumer');
  return T.t('admin.actor.system');
}

function timelineSection(c) {
  const moves = c.timeline.map((e) => {
    const note = QL.timelineNote(e);
    return { at: e.at, node: el('li', { 'data-testid': 'timeline-entry', 'data-status': e.status }, [
      el('div', { className: 'when' }, [timeEl(e.at), ' · ' + actorText(e)]),
      el('strong', { text: e.from ? statusLabel(e.from) + ' → ' + statusLabel(e.status) : statusLabel(e.status) }),
      note ? el('p', { className: 'note' }, [el('span', { className: 'note-label', text: T.t('admin.note.public') + colon() }), note]) : null,
      e.reason ? el('p', { className: 'note' }, [el('span', { className: 'note-label', text: T.t('admin.note.reason') + colon() }), e.reason]) : null
    ]) };
  });
  // The regulators' answers in the same history, each at its time (details in their own section).
  const answers = (c.regulator_responses || []).map((r) => ({
    at: r.created_at,
    node: el('li', { 'data-testid': 'timeline-entry', 'data-response': r.kind }, [
      el('div', { className: 'when' }, [timeEl(r.created_at), ' · ' + r.regulator]),
      el('strong', { text: T.label(r.kind_label) })
    ])
  }));
  const entries = moves.concat(answers).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return section('track.timeline', [el('ol', { className: 'timeline', id: 'timeline' }, entries.map((e) => e.node))]);
}

function assignSection(c) {
  const me = session.user;
  const mine = c.assigned_to && c.assigned_to.id === me.id;
  const current = el('p', { id: 'assignee', className: 'assignee' }, [
    c.assigned_to ? c.assigned_to.email : T.t('admin.unassigned')
  ]);
  const buttons = el('div', { className: 'actions' });
  if (!mine) {
    const b = el('button', { type: 'button', className: 'small', id: 'assign-me', 'aria-keyshortcuts': 'a' }, [T.t('admin.assign.me'), el('kbd', { 'aria-hidden': 'true', text: 'a' })]);
    b.addEventListener('click', () => assign(me.id));
    buttons.appendChild(b);
  }
  if (c.assigned_to) {
    const b = el('button', { type: 'button', className: 'small', id: 'unassign', text: T.t('admin.assign.none') });
    b.addEventListener('click', () => assign(null));
    buttons.appendChild(b);
  }
  const others = session.staff.filter((s) => !c.assigned_to || s.id !== c.assigned_to.id);
  let picker = null;
  if (others.length) {
    const selectEl = el('select', { id: 'assign-select' }, others.map((s) => el('option', { value: String(s.id), text: s.email + (s.id === me.id ? ' (' + T.t('admin.me') + ')' : '') })));
    const go = el('button', { type: 'button', className: 'small', text: T.t('admin.assign.do') });
    go.addEventListener('click', () => assign(Number(selectEl.value)));
    picker = el('div', { className: 'assign-picker' }, [
      el('label', { 'for': 'assign-select', text: T.t('admin.assign.to') }),
      el('div', { className: 'inline' }, [selectEl, go])
    ]);
  }
  return section('admin.case.assignee', [current, buttons, picker]);
}

async function assign(userId) {
  const c = caseData;
  try {
    await api('POST', casePath(c.reference, '/assignment'), { user_id: userId });
    c.assigned_to = userId === null ? null : { id: userId, email: staffEmail(userId) };
    updateQueueItem(c.reference, { assigned_to: userId });
    renderCase();
    toast(userId === null ? T.t('admin.assign.cleared') : T.t('admin.assign.done', { email: staffEmail(userId) }));
    const focusTarget = $('assign-me') || $('unassign');
    if (focusTarget) focusTarget.focus();
  } catch (err) {
    if (err.status !== 401) toast(failure(err));
  }
}

function contactSection(c) {
  const r = c.reporter || {};
  const dl = el('dl', { className: 'details' });
  detailRow(dl, 'f.reporter_name', r.name);
  detailRow(dl, 'f.reporter_email', r.email);
  detailRow(dl, 'f.reporter_phone', r.phone);
  detailRow(dl, 'track.consent', T.t(c.consent_share_contact ? 'yes' : 'no'));
  const none = !r.name && !r.email && !r.phone;
  return section('track.reporter', [
    none ? el('p', { className: 'hint', text: T.t('admin.contact.none') }) : null,
    dl,
    el('p', { className: 'hint small', text: T.t('admin.contact.audited') })
  ]);
}

function notesList(c) {
  const list = el('ol', { className: 'notes', id: 'notes-list' });
  if (!c.notes.length) list.appendChild(el('li', { className: 'hint empty-note', text: T.t('admin.notes.none') }));
  c.notes.forEach((n) => list.appendChild(el('li', {}, [
    el('div', { className: 'hint' }, [n.author.email, ' · ', timeEl(n.created_at)]),
    el('p', { className: 'prose', text: n.body })
  ])));
  return list;
}

/** What is wrong with a note ('' when nothing). */
function noteProblem(body) {
  const max = limit('max_note_chars');
  if (!body) return T.t('code.required');
  if (max && QL.charCount(body) > max) return T.t('v.max', { max });
  return '';
}

function notesSection(c) {
  const textarea = el('textarea', { id: 'note-body', rows: '3', 'aria-describedby': 'note-hint' });
  const error = el('p', { className: 'field-error', id: 'error-note-body' });
  const form = el('form', { id: 'note-form', novalidate: true }, [
    el('label', { 'for': 'note-body', className: 'field-label', text: T.t('admin.notes.add') }),
    el('p', { className: 'hint', id: 'note-hint', text: T.t('admin.notes.hint') }),
    textarea, error,
    el('div', { className: 'actions' }, [
      el('button', { type: 'submit', className: 'small primary', id: 'note-submit', 'aria-keyshortcuts': 'n' }, [T.t('admin.notes.submit')])
    ])
  ]);
  // Once flagged, the message follows the text: it goes as soon as the note is fine.
  textarea.addEventListener('input', () => {
    if (textarea.getAttribute('aria-invalid') !== 'true') return;
    const problem = noteProblem(textarea.value.trim());
    error.textContent = '';
    textarea.removeAttribute('aria-invalid');
    if (problem) QL.setFieldError(textarea, error, [problem]);
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = textarea.value.trim();
    error.textContent = '';
    textarea.removeAttribute('aria-invalid');
    const problem = noteProblem(body);
    if (problem) {
      QL.setFieldError(textarea, error, [problem]);
      textarea.focus();
      return;
    }
    $('note-submit').disabled = true;
    try {
      const res = await api('POST', casePath(c.reference, '/notes'), { body });
      c.notes.push({ id: res.id, body, author: { id: session.user.id, email: session.user.email }, created_at: new Date().toISOString() });
      textarea.value = '';
      $('notes-list').replaceWith(notesList(c));
      toast(T.t('admin.notes.added'));
    } catch (err) {
      if (err.status !== 401) QL.setFieldError(textarea, error, [failure(err)]);
    } finally {
      $('note-submit').disabled = false;
    }
  });
  return section('admin.case.notes', [notesList(c), form]);
}

function relatedSection(c) {
  const list = c.related || [];
  return section('admin.case.related', [
    list.length ? el('ul', { className: 'related' }, list.map((r) => el('li', {}, [
      el('div', {}, [el('a', { href: '#/case/' + r.reference, className: 'mono', text: r.reference }), ' ', badge(r.status)]),
      el('div', { className: 'merchant', text: r.merchant_name }),
      el('div', { className: 'hint' }, [timeEl(r.created_at)]),
      el('div', { className: 'tags' }, r.reasons.map((why) => el('span', { className: 'tag', text: T.t('admin.related.' + why) })))
    ]))) : el('p', { className: 'hint', text: T.t('admin.related.none') })
  ]);
}

// ---- keyboard -------------------------------------------------------------------------

function gotoNeighbour(delta) {
  const next = caseData ? queueNeighbour(caseData.reference, delta) : null;
  if (next) location.hash = '#/case/' + next.reference;
  else toast(T.t(delta > 0 ? 'admin.case.last' : 'admin.case.first'));
}

/** The case page's keys. */
export function caseKey(e) {
  const c = caseData;
  if (!c) return;
  const key = e.key;
  if (ACTION_KEYS[key]) {
    const to = ACTION_KEYS[key];
    if (c.allowed_transitions.includes(to)) {
      e.preventDefault();
      openTransition(c, to, reopen);
    } else toast(T.t('admin.key.unavailable'));
  } else if (key === 'n') {
    e.preventDefault();
    $('note-body').focus();
  } else if (key === 'a') {
    e.preventDefault();
    if ($('assign-me')) assign(session.user.id);
  } else if (key === 'b' || key === 'Escape') {
    e.preventDefault();
    location.hash = queueHash();
  } else if (key === 'j' || key === 'k') {
    e.preventDefault();
    gotoNeighbour(key === 'j' ? 1 : -1);
  }
}

export function initCase() {
  onViewChange((id) => { if (id !== 'case-view') stopPolling(); });
}
