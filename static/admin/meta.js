/* The server's vocabularies, lifecycle and limits (GET /api/v1/meta): the moderator UI keeps no
 * copy of a Rust list. Until meta has loaded (or if it cannot), lists are empty, labels fall back
 * to the codes and limits to null, which leaves the checking to the server. */
import * as T from '../i18n.js';
import * as QL from '../common.js';

const EMPTY = {
  categories: [], platforms: [], provinces: [], statuses: [], signals: [], severities: [],
  delivery_kinds: [], delivery_statuses: [], lifecycle: [], limits: {}
};

/** The loaded meta, or empty lists. */
export function meta() {
  return QL.loadedMeta() || EMPTY;
}

export function loaded() {
  return !!QL.loadedMeta();
}

/** The label of `code` in the list `list` ('statuses', 'signals', 'provinces'…). */
export function vocab(list, code) {
  return QL.vocabLabel(list, code);
}

/** The codes of a list, in the server's order. */
export function codes(list) {
  return (meta()[list] || []).map((i) => i.code);
}

/** [[code, label]] of a list, for a <select>. */
export function options(list) {
  return (meta()[list] || []).map((i) => [i.code, T.label(i)]);
}

export function statusLabel(code) { return vocab('statuses', code); }
export function signalLabel(code) { return vocab('signals', code); }
export function severityLabel(code) { return vocab('severities', code); }

/** Higher is more severe: the server lists severities from the lowest up (its order, `High > Low`). */
export function severityRank(code) {
  return codes('severities').indexOf(code);
}

/** A number from meta's `limits` (`max_note_chars`, `max_reason_chars`…), or null. */
export function limit(name) {
  const v = meta().limits && meta().limits[name];
  return typeof v === 'number' ? v : null;
}

/** The lifecycle edge from → to: {actors, requires, min_reason_chars}, or null. */
export function edge(from, to) {
  return meta().lifecycle.find((e) => e.from === from && e.to === to) || null;
}

/** "all provinces" or the names of `list` entries, shortened after `max`. */
export function coverageText(values, list, allKey, max) {
  if (!values || !values.length) return T.t(allKey);
  const names = values.map((code) => vocab(list, code));
  if (max && names.length > max) return T.t('admin.reg.more', { list: QL.listText(names.slice(0, max)), n: names.length });
  return QL.listText(names);
}
