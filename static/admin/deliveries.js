/* The mail outbox (#/deliveries?status=…, admins only): failures first, every message with its
 * attempts and the server's answers, and "send again" for a failed one. */
import * as T from '../i18n.js';
import { $, clear, fillSelect, notice, showView, setTitle } from './dom.js';
import { api, failure } from './api.js';
import { meta, vocab } from './meta.js';
import { deliveryItem, retryDelivery } from './mail.js';

const OUTBOX_PAGE = 50;

const deliveries = { status: 'failed', items: [], next: null, loading: false, seq: 0, loaded: false };

/** The filter's choices: failures first (the reason to come here), the server's other states, then all. */
function filterChoices() {
  const states = (meta().delivery_statuses || []).map((s) => s.code);
  return ['failed'].concat(states.filter((s) => s !== 'failed'), ['all']);
}

function filterLabel(status) {
  // "pending" here also covers messages waiting to be tried again: the filter says so.
  if (T.has('delivery.filter.' + status)) return T.t('delivery.filter.' + status);
  return vocab('delivery_statuses', status);
}

function fillDeliveryFilter() {
  fillSelect($('d-status'), filterChoices().map((s) => [s, filterLabel(s)]));
  $('d-status').value = deliveries.status;
}

export async function openDeliveries(params, focus) {
  showView('deliveries-view');
  setTitle(T.t('admin.out.title'));
  const status = params.get('status') || 'failed';
  deliveries.status = filterChoices().includes(status) ? status : 'failed';
  fillDeliveryFilter();
  if (focus) $('deliveries-heading').focus();
  await loadDeliveries(true);
}

async function loadDeliveries(reset) {
  const d = deliveries;
  if (!reset && (d.loading || !d.next)) return;
  const seq = ++d.seq;
  d.loading = true;
  $('deliveries-loading').textContent = T.t('admin.loading');
  const p = new URLSearchParams();
  if (d.status !== 'all') p.set('status', d.status);
  p.set('limit', String(OUTBOX_PAGE));
  if (!reset) p.set('before', String(d.next));
  const moreHadFocus = document.activeElement === $('deliveries-more');
  let firstNew = 0;
  try {
    const data = await api('GET', '/api/v1/admin/deliveries?' + p.toString());
    if (seq !== d.seq) return;
    if (reset) d.items = [];
    firstNew = d.items.length;
    d.items = d.items.concat(data.items);
    d.next = data.next_before === null || data.next_before === undefined ? null : data.next_before;
    d.loaded = true;
    renderDeliveries();
    notice('');
  } catch (err) {
    if (seq === d.seq && err.status !== 401) notice(failure(err));
  } finally {
    if (seq === d.seq) {
      d.loading = false;
      $('deliveries-loading').textContent = '';
      renderDeliveriesMeta();
      // The button went away with the last page: keep the keyboard user in the list.
      if (moreHadFocus && $('deliveries-more').hidden) {
        const item = $('deliveries-list').children[firstNew];
        const link = item && item.querySelector('a, button');
        (link || $('deliveries-heading')).focus();
      }
    }
  }
}

function outboxItem(d) {
  return deliveryItem(d, {
    showCase: true,
    showKind: true,
    onRetry: async (item, button) => {
      if (!(await retryDelivery(item, button))) return;
      // Sent again: it is pending now (the list keeps it, so the admin sees what happened).
      Object.assign(item, { status: 'pending', attempts: 0, failed_at: null, next_attempt_at: new Date().toISOString() });
      const old = $('deliveries-list').querySelector('[data-delivery-id="' + item.id + '"]');
      const fresh = outboxItem(item);
      if (old) old.replaceWith(fresh);
      const link = fresh.querySelector('a');
      if (link) link.focus();
    }
  });
}

function renderDeliveries() {
  const list = $('deliveries-list');
  clear(list);
  deliveries.items.forEach((d) => list.appendChild(outboxItem(d)));
  renderDeliveriesMeta();
}

function renderDeliveriesMeta() {
  const d = deliveries;
  $('deliveries-empty').textContent = T.t(T.has('admin.out.empty.' + d.status) ? 'admin.out.empty.' + d.status : 'admin.out.empty.all');
  $('deliveries-empty').hidden = d.loading || !d.loaded || d.items.length > 0;
  $('deliveries-more').hidden = !d.next;
  $('deliveries-summary').textContent = d.items.length
    ? T.t(d.next ? 'admin.out.shown.more' : 'admin.out.shown', { n: d.items.length })
    : '';
}

/** Redraws in the current language. */
export function renderDeliveriesPage() {
  fillDeliveryFilter();
  if (deliveries.loaded) renderDeliveries();
}

export function initDeliveries() {
  $('deliveries-filter').addEventListener('submit', (e) => e.preventDefault());
  $('d-status').addEventListener('change', () => {
    const hash = '#/deliveries?status=' + $('d-status').value;
    if (location.hash === hash) loadDeliveries(true);
    else location.hash = hash;
  });
  $('deliveries-refresh').addEventListener('click', () => loadDeliveries(true));
  $('deliveries-more').addEventListener('click', () => loadDeliveries(false));
}
