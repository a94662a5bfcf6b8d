/* Unsubscribe page: the link in the email only opens this page; the click
   (a POST) is what unsubscribes, so a mail scanner following links changes nothing. */
const params = new URLSearchParams(window.location.search);
const reference = params.get('ref') || '';
const token = params.get('token') || '';
const button = document.getElementById('unsub-confirm');
const result = document.getElementById('unsub-result');
document.getElementById('unsub-reference').textContent = reference;
document.getElementById('unsub-reference-en').textContent = reference;
if (!reference || !token) {
  button.disabled = true;
  result.textContent = '链接不完整。 · This link is incomplete.';
} else {
  button.addEventListener('click', () => {
    button.disabled = true;
    const url = '/api/v1/unsubscribe?ref=' + encodeURIComponent(reference) + '&token=' + encodeURIComponent(token);
    fetch(url, { method: 'POST', headers: { Accept: 'application/json' } }).then((response) => {
      if (response.ok) {
        result.textContent = '已退订：我们不会再就此举报向您发送邮件。 · Done: no more emails about this report.';
      } else {
        button.disabled = false;
        result.textContent = '链接无效或已失效。 · This link is not valid.';
      }
    }, () => {
      button.disabled = false;
      result.textContent = '网络错误，请重试。 · Network error, please try again.';
    });
  });
}
