/* The evidence of a case: thumbnails that open the lightbox, sizes, hashes, downloads. */
import * as T from '../i18n.js';
import * as QL from '../common.js';
import { el, section } from './dom.js';
import { evidenceUrl } from './api.js';
import { openLightbox } from './lightbox.js';

/** Thumbnails by evidence id, reused across re-renders of one case (no refetch on each redraw). */
let thumbs = new Map();
let thumbsOf = null;

function thumbnail(c, e) {
  if (thumbsOf !== c.reference) {
    thumbs = new Map();
    thumbsOf = c.reference;
  }
  let img = thumbs.get(e.id);
  if (!img) {
    img = el('img', { src: evidenceUrl(c.reference, e, true), alt: e.display_name, loading: 'lazy' });
    thumbs.set(e.id, img);
  }
  return img;
}

function isImage(e) { return /^image\//.test(e.content_type); }

export function evidenceSection(c) {
  const list = c.evidence || [];
  if (!list.length) return section('track.evidence', [el('p', { className: 'hint', text: T.t('track.noevidence') })]);
  const images = list.filter(isImage);
  const items = list.map((e) => {
    const name = e.display_name;
    const dims = e.width && e.height ? ' · ' + e.width + '×' + e.height : '';
    let thumb;
    if (isImage(e)) {
      thumb = el('button', {
        type: 'button', className: 'thumb',
        'aria-label': T.t('admin.evidence.zoom', { name })
      }, [thumbnail(c, e)]);
      thumb.addEventListener('click', () => openLightbox(c.reference, images, images.indexOf(e)));
    } else {
      const ext = (/\.([A-Za-z0-9]+)$/.exec(name) || [null, e.content_type.split('/')[1] || '?'])[1];
      thumb = el('span', { className: 'thumb file', 'aria-hidden': 'true', text: ext.toUpperCase().slice(0, 4) });
    }
    return el('li', { className: 'evidence-item', 'data-testid': 'evidence-item' }, [
      thumb,
      el('div', { className: 'evidence-meta' }, [
        el('div', { className: 'name', text: name }),
        el('div', { className: 'hint', text: e.content_type + ' · ' + QL.formatBytes(e.size_bytes) + dims }),
        e.reply_id ? el('span', { className: 'tag', text: T.t('admin.evidence.from_reply') }) : null,
        el('div', { className: 'sha' }, [el('abbr', { title: 'SHA-256', text: 'SHA-256' }), ' ', el('span', { className: 'mono', text: e.sha256 })]),
        e.original_sha256 && e.original_sha256 !== e.sha256
          ? el('div', { className: 'sha' }, [T.t('admin.evidence.original') + ' ', el('span', { className: 'mono', text: e.original_sha256 })])
          : null,
        el('a', {
          href: evidenceUrl(c.reference, e, false), download: true, className: 'button small',
          'data-download': String(e.id),
          'aria-label': T.t('admin.download.label', { name }), text: T.t('admin.download')
        })
      ])
    ]);
  });
  return section('track.evidence', [el('ul', { className: 'gallery' }, items)]);
}
