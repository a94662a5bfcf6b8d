/* Unsubscribe page: the link in the email only opens this page; the click
   (a POST) is what unsubscribes, so a mail scanner following links changes nothing. */
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var reference = params.get('ref') || '';
  var token = params.get('token') || '';
  var button = document.getElementById('unsub-confirm');
  var result = document.getElementById('unsub-result');
  document.getElementById('unsub-reference').textContent = reference;
  document.getElementById('unsub-reference-en').textContent = reference;
  if (!reference || !token) {
    button.disabled = true;
    result.textContent = '链接不完整。 · This link is incomplete.';
    return;
  }
  button.addEventListener('click', function () {
    button.disabled = true;
    var url = '/api/v1/unsubscribe?ref=' + encodeURIComponent(reference) + '&token=' + encodeURIComponent(token);
    fetch(url, { method: 'POST', headers: { Accept: 'application/json' } }).then(function (response) {
      if (response.ok) {
        result.textContent = '已退订：我们不会再就此举报向您发送邮件。 · Done: no more emails about this report.';
      } else {
        button.disabled = false;
        result.textContent = '链接无效或已失效。 · This link is not valid.';
      }
    }, function () {
      button.disabled = false;
      result.textContent = '网络错误，请重试。 · Network error, please try again.';
    });
  });
})();
