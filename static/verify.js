/* /verify: checks a case file against its detached Ed25519 signature and the
 * published keys, and each evidence file against the SHA-256 the signed case
 * file lists — all in the browser (Web Crypto), nothing uploaded. */

const $ = (id) => document.getElementById(id);
let files = [];

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

function pemToDer(pem) {
  const base64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

async function fetchKeys() {
  const response = await fetch('/.well-known/qinglang-signing-keys.json', { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error('keys: ' + response.status);
  return (await response.json()).keys || [];
}

/** Which published key (if any) made `signature` over `bytes`: the one the file names first. */
async function verifySignature(keys, keyId, bytes, signature) {
  const ordered = keys.slice().sort((a, b) => (b.id === keyId) - (a.id === keyId));
  for (const key of ordered) {
    try {
      const publicKey = await crypto.subtle.importKey('spki', pemToDer(key.public_key_pem), { name: 'Ed25519' }, false, ['verify']);
      if (await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, signature, bytes)) return key;
    } catch (e) {
      // A key this browser cannot read: try the next.
    }
  }
  return null;
}

async function check() {
  const status = $('verify-status');
  const caseFile = files.find((f) => /\.json$/i.test(f.name) && !/\.sig$/i.test(f.name));
  const sigFile = files.find((f) => /\.sig$/i.test(f.name));
  if (!caseFile || !sigFile) {
    status.textContent = '请同时提供案件文件（.json）和签名文件（.json.sig）。 · Add both the case file (.json) and its signature (.json.sig).';
    $('verify-result').hidden = true;
    return;
  }
  if (!window.crypto || !crypto.subtle) {
    status.textContent = '此浏览器无法核验（需要 HTTPS 和 Web Crypto）。可使用 OpenSSL 核验，见邮件说明。';
    return;
  }
  status.textContent = '正在核验…… · Checking…';
  const bytes = new Uint8Array(await caseFile.arrayBuffer());
  const signature = new Uint8Array(await sigFile.arrayBuffer());
  let parsed = null;
  try { parsed = JSON.parse(new TextDecoder().decode(bytes)); } catch (e) { parsed = null; }
  let key = null;
  let keysError = null;
  if (signature.length === 64) {
    try {
      key = await verifySignature(await fetchKeys(), parsed && parsed.signature && parsed.signature.key_id, bytes, signature);
    } catch (e) {
      keysError = e;
    }
  }
  const verdict = $('verify-signature');
  if (key) {
    verdict.textContent = '✔ 签名有效：案件文件未被改动（密钥 ' + key.id + (key.retired_at ? '，已停用但仍可核验' : '') + '）。 · Signature valid.';
    verdict.className = 'verdict ok';
  } else {
    verdict.textContent = keysError
      ? '无法读取公钥，未能核验。 · Could not load the public keys.'
      : '✘ 签名无效：案件文件或签名被改动，或并非本平台签发。 · Signature NOT valid.';
    verdict.className = 'verdict bad';
  }

  const manifest = (parsed && Array.isArray(parsed.evidence)) ? parsed.evidence : [];
  const evidenceFiles = files.filter((f) => f !== caseFile && f !== sigFile);
  const hashes = await Promise.all(evidenceFiles.map(async (f) => hex(await crypto.subtle.digest('SHA-256', await f.arrayBuffer()))));
  const rows = $('verify-evidence');
  rows.replaceChildren();
  const matched = new Set();
  manifest.forEach((entry) => {
    const i = hashes.findIndex((h) => h === entry.sha256);
    if (i >= 0) matched.add(i);
    const tr = el('tr');
    tr.appendChild(el('td', entry.index));
    tr.appendChild(el('td', entry.display_name + (entry.supplementary ? '（补充材料）' : ''), 'file-name'));
    const result = i >= 0
      ? (key ? '✔ 完整（' + evidenceFiles[i].name + '） · intact' : '指纹相符，但案件文件签名无效 · matches an unverified file')
      : '未提供 · not provided';
    tr.appendChild(el('td', result, i >= 0 && key ? 'ok' : ''));
    tr.dataset.sha256 = entry.sha256;
    rows.appendChild(tr);
  });
  const unmatched = $('verify-unmatched');
  unmatched.replaceChildren();
  evidenceFiles.forEach((f, i) => {
    if (!matched.has(i)) {
      unmatched.appendChild(el('li', '✘ ' + f.name + '：不在案件文件的证据清单中（已被改动或不属于本案）。 · Not in this case file: altered or unrelated.', 'bad'));
    }
  });
  $('verify-result').hidden = false;
  status.textContent = '';
}

function add(list) {
  const byName = new Map(files.map((f) => [f.name, f]));
  Array.from(list).forEach((f) => byName.set(f.name, f));
  files = Array.from(byName.values());
  check();
}

$('verify-input').addEventListener('change', (e) => add(e.target.files));
const zone = $('verify-dropzone');
zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
zone.addEventListener('drop', (e) => {
  e.preventDefault();
  zone.classList.remove('over');
  add(e.dataTransfer.files);
});
