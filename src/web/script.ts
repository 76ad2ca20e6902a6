/**
 * The one script of the pages, served as /assets/mxauth.js (the Content-Security-Policy allows scripts
 * from mxauth's own origin only, never inline). It enhances forms that work without it:
 *
 * - a username input with `data-availability-url` asks that URL (GET, `?username=`) whether the name is
 *   free and shows the answer's `message` in the element named by `data-status-id`;
 * - a password input with `data-strength-url` posts the password (with the form's CSRF token and the
 *   values of the form's `[data-user-input]` fields) to that URL and shows the answer's `score` in the
 *   <meter> named by `data-meter-id` and its `message` in the element named by `data-feedback-id`.
 *
 * - a form with `data-auto-submit` (the page that hands an authorization response to a client by POST)
 *   is submitted at once; its button does the same without the script.
 *
 * - an image with `data-logo-fallback` (a client's logo) is hidden when it cannot be loaded, which
 *   uncovers the client's initial under it (the stylesheet covers a broken image in most browsers too).
 *
 * Every text comes from the server, already in the page's language. Requests are debounced, and an
 * answer that arrives after a newer question was asked is dropped.
 */
export const SCRIPT = `(function () {
  'use strict';
  function debounce(fn, ms) {
    var timer;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }
  function byId(id) {
    return id ? document.getElementById(id) : null;
  }

  document.querySelectorAll('input[data-availability-url]').forEach(function (input) {
    var status = byId(input.getAttribute('data-status-id'));
    if (!status) return;
    var asked = 0;
    input.addEventListener('input', debounce(function () {
      var value = input.value.trim();
      var mine = ++asked;
      if (!value) {
        status.textContent = '';
        status.removeAttribute('data-state');
        return;
      }
      var url = new URL(input.getAttribute('data-availability-url'), window.location.href);
      url.searchParams.set('username', value);
      fetch(url.href, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (mine !== asked) return;
          status.textContent = answer.message || '';
          status.setAttribute('data-state', answer.available === true ? 'ok' : answer.available === false ? 'taken' : 'unknown');
        })
        .catch(function () {
          if (mine === asked) status.textContent = '';
        });
    }, 400));
  });

  document.querySelectorAll('input[data-strength-url]').forEach(function (input) {
    var form = input.form;
    var meter = byId(input.getAttribute('data-meter-id'));
    var feedback = byId(input.getAttribute('data-feedback-id'));
    var csrf = form && form.querySelector('input[name="csrf"]');
    if (!form || !meter || !csrf) return;
    var asked = 0;
    input.addEventListener('input', debounce(function () {
      var mine = ++asked;
      if (!input.value) {
        meter.value = 0;
        if (feedback) feedback.textContent = '';
        return;
      }
      var body = new URLSearchParams();
      body.set('csrf', csrf.value);
      body.set('password', input.value);
      var inputs = [];
      form.querySelectorAll('[data-user-input]').forEach(function (other) {
        if (other.value) inputs.push(other.value);
      });
      body.set('user_inputs', inputs.join('\\n'));
      fetch(input.getAttribute('data-strength-url'), {
        method: 'POST',
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
        body: body,
      })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (mine !== asked || typeof answer.score !== 'number') return;
          meter.value = answer.score;
          meter.textContent = answer.score + '/4';
          if (feedback) feedback.textContent = answer.message || '';
        })
        .catch(function () {});
    }, 250));
  });

  document.querySelectorAll('form[data-auto-submit]').forEach(function (form) {
    form.submit();
  });

  document.querySelectorAll('img[data-logo-fallback]').forEach(function (img) {
    function hide() { img.hidden = true; }
    // decode() also settles for an image that failed before this script ran.
    if (img.decode) img.decode().catch(hide);
    else img.addEventListener('error', hide);
  });
})();
`;
