/* One email as a card (the case page and the outbox show the same), and sending a failed one
 * again. Kinds and states are labelled from /api/v1/meta; "waiting to retry" (a pending
 * message that was tried already) is the UI's own word. */
import * as T from '../i18n.js';
import { el, colon, timeEl, recipientNode, toast } from './dom.js';
import { api, failure } from './api.js';
import { vocab } from './meta.js';
import { isAdmin } from './state.js';

function deliveryBadge(d) {
  const retrying = d.status === 'pending' && d.attempts > 0;
  const key = retrying ? 'retrying' : d.status;
  return el('span', {
    className: 'badge d-' + key, 'data-testid': 'delivery-status', 'data-status': d.status,
    text: retrying ? T.t('delivery.status.retrying') : vocab('delivery_statuses', d.status)
  });
}

function fact(key, value) {
  return el('span', { className: 'fact' }, [el('span', { className: 'fact-label', text: T.t(key) + colon() }), value]);
}

/**
 * One message as a card, for the case page and the outbox: who it goes to, its state, the
 * attempts and what the server said. opts: {showCase, showKind, compact, onRetry(d, button)}.
 */
export function deliveryItem(d, opts) {
  opts = opts || {};
  const r = d.recipient || {};
  const facts = [];
  if (opts.showCase && d.reference) facts.push(fact('admin.dl.case', el('a', { href: '#/case/' + d.reference, className: 'mono ref-link', text: d.reference })));
  if (opts.showKind) facts.push(fact('admin.dl.kind', vocab('delivery_kinds', d.kind)));
  facts.push(fact('admin.dl.attempts', String(d.attempts)));
  if (d.status === 'pending' && d.next_attempt_at) facts.push(fact(d.attempts ? 'admin.dl.next' : 'admin.dl.due', timeEl(d.next_attempt_at)));
  if (d.last_attempt_at && !opts.compact) facts.push(fact('admin.dl.last', timeEl(d.last_attempt_at)));
  if (d.accepted_at) facts.push(fact('admin.dl.accepted', timeEl(d.accepted_at)));
  if (d.failed_at) facts.push(fact('admin.dl.failed', timeEl(d.failed_at)));
  facts.push(fact('admin.dl.created', timeEl(d.created_at)));
  let retry = null;
  if (d.status === 'failed' && opts.onRetry && isAdmin()) {
    retry = el('button', {
      type: 'button', className: 'small primary', 'data-retry': String(d.id),
      'aria-label': T.t('admin.dl.retry.label', { to: r.name || r.email }), text: T.t('admin.dl.retry')
    });
    retry.addEventListener('click', () => opts.onRetry(d, retry));
  }
  const showError = d.last_error && d.status !== 'accepted' && d.status !== 'cancelled';
  return el('li', { className: 'delivery s-' + d.status + (opts.compact ? ' compact' : ''), 'data-testid': 'delivery', 'data-delivery-id': String(d.id), 'data-kind': d.kind }, [
    el('div', { className: 'delivery-head' }, [
      deliveryBadge(d),
      recipientNode(r.name, r.email),
      retry
    ]),
    el('div', { className: 'facts' }, facts),
    d.smtp_reply && d.status === 'accepted' ? el('p', { className: 'delivery-reply' }, [
      el('span', { className: 'fact-label', text: T.t('admin.dl.reply') + colon() }), el('span', { className: 'mono', text: d.smtp_reply })
    ]) : null,
    showError ? el('p', { className: 'delivery-error', 'data-testid': 'delivery-error' }, [
      el('span', { className: 'fact-label', text: T.t(d.status === 'failed' ? 'admin.dl.error' : 'admin.dl.last_error') + colon() }), el('span', { className: 'mono', text: d.last_error })
    ]) : null,
    opts.compact ? null : el('p', { className: 'message-id' }, ['Message-ID ', el('span', { className: 'mono', text: d.message_id })])
  ]);
}

/** POST …/retry; true when the delivery should be reloaded (sent again, or no longer failed). */
export async function retryDelivery(d, button) {
  // aria-disabled rather than disabled: the button keeps the focus while the request runs.
  if (button.getAttribute('aria-disabled') === 'true') return false;
  button.setAttribute('aria-disabled', 'true');
  const r = d.recipient || {};
  try {
    await api('POST', '/api/v1/admin/deliveries/' + encodeURIComponent(d.id) + '/retry');
    toast(T.t('admin.dl.retried', { to: r.name || r.email }));
    return true;
  } catch (err) {
    button.removeAttribute('aria-disabled');
    if (err.status === 401) return false;
    toast(err.status === 409 ? T.t('admin.dl.not_failed') : failure(err));
    return err.status === 409;
  }
}
