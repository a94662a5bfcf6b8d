/* Fraud signals and priority: how the case page explains them, and the tags and counts the
 * queue and the merchant pages show. Signal and severity labels come from /api/v1/meta. */
import * as T from '../i18n.js';
import { el, priorityBadge, colon, timeEl } from './dom.js';
import { codes, signalLabel, severityLabel, severityRank } from './meta.js';

/** Related cases shown as links under a signal; the rest are counted. */
const RELATED_SHOWN = 12;

/** A {"zh-CN", "en"} explanation from the server, in the current language. */
function explanationText(exp) {
  if (!exp) return '';
  return (T.lang() === 'en' ? exp.en : exp['zh-CN']) || exp['zh-CN'] || exp.en || '';
}

/** Whether the server is still computing the case's signals and priority. */
export function signalsPending(c) {
  return !!(c && c.priority && typeof c.priority === 'object' && (!c.priority.computed_at || c.priority.recomputing));
}

function severityBadge(severity) {
  return el('span', { className: 'badge sev sev-' + severity, 'data-testid': 'severity' }, [
    el('span', { className: 'sr-only', text: T.t('admin.sig.severity') }),
    severityLabel(severity)
  ]);
}

export function signalTags(list) {
  return el('span', { className: 'tags signal-tags' }, (list || []).map((code) =>
    el('span', { className: 'tag sig', 'data-code': code, text: signalLabel(code) })));
}

/** [[code, n]] of a {code: n} map, most frequent first, then in the server's order of signals. */
export function sortedCounts(counts) {
  const order = codes('signals');
  return Object.keys(counts || {}).map((code) => [code, counts[code]])
    .sort((a, b) => b[1] - a[1] || order.indexOf(a[0]) - order.indexOf(b[0]));
}

/** The case's priority as shown in its header: a badge, or '—' while it is computed. */
export function priorityScoreNode(c) {
  const p = c.priority;
  if (p === null || p === undefined || signalsPending(c)) return '—';
  if (typeof p === 'number') return priorityBadge(p);
  return priorityBadge(p.score);
}

export function merchantLink(c, id) {
  if (c.merchant_id === null || c.merchant_id === undefined) return null;
  return el('a', {
    href: '#/merchant/' + encodeURIComponent(c.merchant_id), id: id || null, className: 'merchant-link',
    'aria-label': T.t('admin.merchant.link.label', { name: c.merchant_name }), text: T.t('admin.merchant.link') + ' →'
  });
}

function signalItem(sig) {
  const related = sig.related || [];
  const links = [];
  related.slice(0, RELATED_SHOWN).forEach((ref, i) => {
    if (i) links.push(T.lang() === 'en' ? ', ' : '、');
    links.push(el('a', { href: '#/case/' + encodeURIComponent(ref), className: 'mono ref-link', 'data-related': ref, text: ref }));
  });
  if (related.length > RELATED_SHOWN) links.push(' ' + T.t('admin.sig.related.more', { n: related.length }));
  return el('li', { className: 'signal sev-' + sig.severity, 'data-testid': 'signal', 'data-code': sig.code, 'data-severity': sig.severity }, [
    el('div', { className: 'signal-head' }, [
      severityBadge(sig.severity),
      el('strong', { className: 'signal-name', text: signalLabel(sig.code) })
    ]),
    el('p', { className: 'signal-explanation', text: explanationText(sig.explanation) }),
    related.length ? el('p', { className: 'signal-related' }, [el('span', { className: 'fact-label', text: T.t('admin.sig.related') })].concat(links)) : null
  ]);
}

/**
 * A priority reason in the current language. The server words a signal's reason with its
 * code ("signal duplicate_evidence (high)"): those get the signal's label instead.
 */
function reasonText(r) {
  const m = /^signal ([a-z_]+) \(([a-z_]+)\)$/.exec((r.explanation && r.explanation.en) || '');
  if (m && codes('signals').includes(m[1]) && codes('severities').includes(m[2])) {
    return T.t('admin.prio.signal', { signal: signalLabel(m[1]), severity: severityLabel(m[2]) });
  }
  return explanationText(r.explanation);
}

function priorityPanel(c) {
  const p = c.priority && typeof c.priority === 'object' ? c.priority : { score: c.priority, reasons: [] };
  const computed = !!p.computed_at;
  const reasons = p.reasons || [];
  const reporters = p.independent_reporters;
  const sum = reasons.reduce((acc, r) => acc + (Number(r.points) || 0), 0);
  let reasonsNode;
  if (reasons.length) {
    reasonsNode = el('ul', { className: 'prio-reasons', id: 'priority-reasons' }, reasons.map((r) => el('li', { 'data-testid': 'priority-reason' }, [
      el('span', { className: 'points', text: (r.points < 0 ? '−' + Math.abs(r.points) : '+' + r.points) }),
      el('span', { className: 'reason-text', text: reasonText(r) })
    ])));
  } else reasonsNode = el('p', { className: 'hint', id: 'priority-reasons', text: T.t(computed ? 'admin.prio.none' : 'admin.prio.pending') });
  return el('div', { className: 'priority-panel', id: 'priority', 'data-testid': 'priority' }, [
    el('div', { className: 'prio-head' }, [
      el('span', { className: 'prio-title', text: T.t('admin.prio.title') }),
      el('span', { className: 'prio-score' }, [
        computed ? priorityBadge(p.score, 'big') : el('span', { className: 'prio p-low big pending', text: '—' }),
        ' ', el('span', { className: 'hint', text: T.t('admin.prio.of') })
      ])
    ]),
    el('p', { className: 'prio-reporters' }, [
      el('span', { className: 'fact-label', text: T.t('admin.prio.reporters') + colon() }),
      el('strong', { id: 'independent-reporters', text: reporters === null || reporters === undefined ? '—' : T.t('admin.prio.reporters.n', { n: reporters }) })
    ]),
    el('h4', { text: T.t('admin.prio.reasons') }),
    reasonsNode,
    sum > 100 ? el('p', { className: 'hint small prio-capped', text: T.t('admin.prio.capped', { sum }) }) : null,
    computed ? el('p', { className: 'hint small prio-computed' }, [T.t('admin.prio.computed') + ' ', timeEl(p.computed_at)]) : null,
    p.recomputing ? el('p', { className: 'hint small prio-recomputing', id: 'priority-recomputing', text: T.t('admin.prio.recomputing') }) : null
  ]);
}

/**
 * What the server found about the case, why it ranks where it does, and a way to its merchant.
 * opts: {paused (the auto-refresh gave up waiting), onRefresh()}.
 */
export function signalsSection(c, opts) {
  const computing = signalsPending(c);
  const signals = (c.signals || []).slice().sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  let refresh = null;
  if (computing) {
    refresh = el('button', { type: 'button', className: 'small', id: 'signals-refresh', text: T.t('admin.refresh') });
    refresh.addEventListener('click', opts.onRefresh);
  }
  const status = computing ? el('p', {
    className: 'signals-status' + (opts.paused ? '' : ' busy'), id: 'signals-status', role: 'status',
    text: T.t(opts.paused ? 'admin.sig.paused' : 'admin.sig.computing')
  }) : null;
  let list = null;
  if (signals.length) list = el('ul', { className: 'signal-list', id: 'signal-list', 'aria-label': T.t('admin.sig.list') }, signals.map(signalItem));
  else if (!computing) list = el('p', { className: 'signals-none', id: 'signals-none', text: T.t('admin.sig.none') });
  return el('section', { className: 'card signals', id: 'signals', 'aria-labelledby': 'signals-heading', 'aria-busy': computing ? 'true' : null }, [
    el('div', { className: 'section-head' }, [
      el('h3', { id: 'signals-heading', tabindex: '-1' }, [
        T.t('admin.sig.title'),
        signals.length ? el('span', { className: 'count-pill', title: T.t('admin.sig.count', { n: signals.length }), text: String(signals.length) }) : null
      ]),
      el('div', { className: 'section-tools' }, [refresh, merchantLink(c, 'merchant-link')])
    ]),
    status,
    el('div', { className: 'signals-body' }, [
      el('div', { className: 'signals-main' }, [list]),
      priorityPanel(c)
    ])
  ]);
}
