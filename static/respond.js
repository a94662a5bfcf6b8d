/* The regulator's response page at /respond/<token>: the case summary, the
 * answers recorded through this link, and the form for the next one. The
 * token in the path is the only credential; everything shown is set as text. */

const token = decodeURIComponent(window.location.pathname.replace(/^\/respond\//, ''));
const api = '/api/v1/regulator-responses/' + encodeURIComponent(token);
const $ = (id) => document.getElementById(id);
let view = null;
let sending = false;

const FIELDS = ['own_reference', 'expected_date', 'reason', 'question', 'outcome', 'public_summary'];
const FIELD_LABELS = {
  kind: '答复类型', own_reference: '贵单位案号', expected_date: '预计办结日期', reason: '不予受理的理由',
  question: '需要补充的材料或问题', outcome: '处理结果', public_summary: '向举报人公开的说明'
};

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function beijing(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}

function notice(text) {
  const box = $('respond-notice');
  box.textContent = text || '';
  box.hidden = !text;
}

function problemText(status, problem) {
  if (status === 404) return '此答复链接无效。请核对邮件中的完整链接（链接可能被邮件软件截断）。';
  if (status === 410) return (problem && problem.detail) || '此答复链接已失效。';
  if (status === 429) return (problem && problem.detail) || '请求过于频繁，请稍后再试。';
  if (status === 409) return (problem && problem.detail) || '案件状态已变化，请刷新页面。';
  return (problem && problem.detail) || '服务暂时不可用，请稍后再试。';
}

async function request(method, body) {
  const init = { method, headers: { Accept: 'application/json' } };
  if (body) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(api, init);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  return { status: response.status, ok: response.ok, data };
}

function detail(list, label, value) {
  if (value === null || value === undefined || value === '') return;
  list.appendChild(el('dt', label));
  list.appendChild(el('dd', value));
}

function render() {
  const v = view;
  $('case-reference').textContent = v.reference;
  const details = $('case-details');
  details.replaceChildren();
  detail(details, '收件单位', v.regulator);
  detail(details, '举报类型', v.category_label && v.category_label.zh);
  detail(details, '平台', v.platform_label && v.platform_label.zh);
  detail(details, '商家名称', v.merchant_name);
  if (v.hotline) {
    detail(details, '热线号码', v.hotline.number);
    detail(details, '冒充品牌', v.hotline.impersonated_brand);
  }
  detail(details, '订单号', v.order_id);
  detail(details, '举报时间', beijing(v.filed_at));
  detail(details, '转交时间', beijing(v.forwarded_at));
  detail(details, '审核意见', v.validation_reason);
  detail(details, '链接有效期至', beijing(v.link_expires_at));
  $('case-description').textContent = v.description || '';

  const answers = $('answers');
  answers.replaceChildren();
  (v.responses || []).forEach((r) => {
    const item = el('li');
    item.appendChild(el('strong', r.kind_label ? r.kind_label.zh : r.kind));
    item.appendChild(el('span', ' · ' + beijing(r.created_at), 'hint'));
    [['贵单位案号', r.own_reference], ['预计办结日期', r.expected_date], ['理由', r.reason],
      ['问题', r.question], ['处理结果', r.outcome], ['公开说明', r.public_summary]].forEach(([label, value]) => {
      if (value) item.appendChild(el('p', label + '：' + value, 'note'));
    });
    answers.appendChild(item);
  });
  $('answers-none').hidden = (v.responses || []).length > 0;

  const allowed = v.allowed_next || [];
  const choices = $('kind-choices');
  const checked = (document.querySelector('input[name="kind"]:checked') || {}).value;
  choices.replaceChildren();
  (v.kinds || []).filter((k) => allowed.includes(k.code)).forEach((k) => {
    const label = el('label', null, 'choice');
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'kind';
    input.value = k.code;
    input.id = 'kind-' + k.code;
    input.checked = k.code === checked;
    input.addEventListener('change', showFields);
    label.appendChild(input);
    label.appendChild(el('span', ' ' + k.zh));
    choices.appendChild(label);
  });
  $('answer-form').hidden = allowed.length === 0;
  $('answer-finished').hidden = allowed.length > 0;
  showFields();
  $('respond-loading').hidden = true;
  $('respond-case').hidden = false;
}

function showFields() {
  const kind = (document.querySelector('input[name="kind"]:checked') || {}).value;
  document.querySelectorAll('[data-for]').forEach((field) => {
    field.hidden = !kind || !field.dataset.for.split(' ').includes(kind);
  });
}

function clearErrors() {
  document.querySelectorAll('.field-error').forEach((e) => { e.textContent = ''; });
  document.querySelectorAll('[aria-invalid]').forEach((c) => c.removeAttribute('aria-invalid'));
  $('answer-summary').hidden = true;
}

function showErrors(errors) {
  const summary = $('answer-summary');
  summary.replaceChildren(el('h2', '请修正以下问题'));
  const list = el('ul');
  errors.forEach((e) => {
    const target = $('error-' + e.field);
    if (target) target.textContent = e.message;
    const control = $(e.field);
    if (control) control.setAttribute('aria-invalid', 'true');
    list.appendChild(el('li', (FIELD_LABELS[e.field] || e.field) + '：' + e.message));
  });
  summary.appendChild(list);
  summary.hidden = false;
  summary.setAttribute('tabindex', '-1');
  summary.focus();
}

async function load() {
  try {
    const { ok, status, data } = await request('GET');
    if (!ok) {
      $('respond-loading').hidden = true;
      $('respond-case').hidden = true;
      notice(problemText(status, data));
      return;
    }
    view = data;
    render();
  } catch (e) {
    $('respond-loading').hidden = true;
    notice('网络错误，请检查网络后刷新页面。');
  }
}

$('answer-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (sending) return;
  clearErrors();
  notice('');
  const kind = (document.querySelector('input[name="kind"]:checked') || {}).value;
  if (!kind) {
    showErrors([{ field: 'kind', message: '请选择答复类型' }]);
    return;
  }
  const body = { kind };
  FIELDS.forEach((name) => {
    const field = $(name);
    const box = field.closest('[data-for]');
    const value = field.value.trim();
    if (value && box && !box.hidden) body[name] = value;
  });
  sending = true;
  $('answer-submit').disabled = true;
  $('answer-status').textContent = '正在提交……';
  try {
    const { ok, status, data } = await request('POST', body);
    if (ok) {
      FIELDS.forEach((name) => { $(name).value = ''; });
      const closed = data && data.case_status === 'closed';
      $('answer-status').textContent = data && data.recorded === false
        ? '此答复此前已记录，未重复记录。'
        : '答复已记录' + (closed ? '，本案已办结。' : '。');
      await load();
    } else if (status === 422 && data && Array.isArray(data.errors)) {
      $('answer-status').textContent = '';
      showErrors(data.errors);
    } else {
      $('answer-status').textContent = '';
      notice(problemText(status, data));
      if (status === 409) await load();
    }
  } catch (e) {
    $('answer-status').textContent = '';
    notice('网络错误，答复未提交，请重试。');
  } finally {
    sending = false;
    $('answer-submit').disabled = false;
  }
});

if (!token) {
  $('respond-loading').hidden = true;
  notice('此答复链接不完整。请核对邮件中的完整链接。');
} else {
  load();
}
