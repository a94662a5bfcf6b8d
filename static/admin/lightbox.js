/* The evidence lightbox: a case's images one at a time (← →), with their download link.
 * Images are fetched with ?inline=1, which the server does not audit (the case view is). */
import * as QL from '../common.js';
import { $ } from './dom.js';
import { evidenceUrl } from './api.js';

const box = { reference: null, images: [], index: 0, returnFocus: null };

export function openLightbox(reference, images, index) {
  box.returnFocus = document.activeElement;
  box.reference = reference;
  box.images = images;
  box.index = index;
  showImage();
  $('lightbox').showModal();
  $('lightbox-close').focus();
}

/** Redraws the caption (after a language switch). */
export function refreshLightbox() {
  if ($('lightbox').open) showImage();
}

function showImage() {
  const { images, index, reference } = box;
  const e = images[index];
  if (!e || !reference) return;
  const img = $('lightbox-img');
  img.src = evidenceUrl(reference, e, true);
  img.alt = e.display_name;
  const dims = e.width && e.height ? ' · ' + e.width + '×' + e.height : '';
  $('lightbox-caption').textContent = e.display_name + ' · ' + QL.formatBytes(e.size_bytes) + dims +
    (images.length > 1 ? ' · ' + (index + 1) + ' / ' + images.length : '');
  $('lightbox-download').href = evidenceUrl(reference, e, false);
  $('lightbox-prev').hidden = images.length < 2;
  $('lightbox-next').hidden = images.length < 2;
}

function step(delta) {
  if (box.images.length < 2) return;
  box.index = (box.index + delta + box.images.length) % box.images.length;
  showImage();
}

export function initLightbox() {
  $('lightbox-prev').addEventListener('click', () => step(-1));
  $('lightbox-next').addEventListener('click', () => step(1));
  $('lightbox-close').addEventListener('click', () => $('lightbox').close());
  $('lightbox').addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') { step(-1); e.preventDefault(); }
    if (e.key === 'ArrowRight') { step(1); e.preventDefault(); }
  });
  $('lightbox').addEventListener('click', (e) => { if (e.target === $('lightbox')) $('lightbox').close(); });
  $('lightbox').addEventListener('close', () => {
    $('lightbox-img').removeAttribute('src');
    const back = box.returnFocus;
    box.returnFocus = null;
    if (back && document.contains(back)) back.focus();
  });
}
