/* Keyboard shortcuts: "?" shows them; the queue and the case page handle their own keys.
 * Shortcuts never fire while typing in a field or while a dialog is open. */
import * as T from '../i18n.js';
import { $, el, clear, isTyping, shown } from './dom.js';
import { dialogOpen } from './dialogs.js';
import { session } from './state.js';
import { queueKey } from './queue.js';
import { caseKey } from './case.js';

const SHORTCUTS = [
  ['?', 'admin.key.help'],
  ['j / k', 'admin.key.jk'],
  ['Enter', 'admin.key.enter'],
  ['/', 'admin.key.search'],
  ['u', 'admin.key.u'],
  ['i', 'admin.key.i'],
  ['v', 'admin.key.v'],
  ['r', 'admin.key.r'],
  ['d', 'admin.key.d'],
  ['c', 'admin.key.c'],
  ['n', 'admin.key.n'],
  ['a', 'admin.key.a'],
  ['b', 'admin.key.b'],
  ['Esc', 'admin.key.esc']
];

let returnFocus = null;

export function renderHelp() {
  const rows = $('help-rows');
  clear(rows);
  SHORTCUTS.forEach(([keys, text]) => rows.appendChild(el('tr', {}, [
    el('th', { scope: 'row' }, keys.split(' / ').reduce((acc, k, i) => acc.concat(i ? [' / '] : [], [el('kbd', { text: k })]), [])),
    el('td', { text: T.t(text) })
  ])));
}

function openHelp() {
  returnFocus = document.activeElement;
  $('help-dialog').showModal();
  $('help-close').focus();
}

export function initKeyboard() {
  $('help-button').addEventListener('click', openHelp);
  $('help-close').addEventListener('click', () => $('help-dialog').close());
  $('help-dialog').addEventListener('close', () => {
    const back = returnFocus;
    returnFocus = null;
    if (back && document.contains(back)) back.focus();
  });

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || !session.user) return;
    if (isTyping(e.target) || dialogOpen()) return;
    if (e.key === '?') {
      e.preventDefault();
      openHelp();
      return;
    }
    if (shown('queue-view')) queueKey(e);
    else if (shown('case-view')) caseKey(e);
  });
}
