import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import * as oidcClient from 'openid-client';
import { newBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { signInDevice } from '../helpers/homeserver-flows.js';
import { introspect, type RunningMxauth, registerClient } from '../helpers/oauth-server.js';
import { messagesTo, notice, PASSWORD, postWithoutCsrf, register, signedIn, startPlain } from './support.js';

const NEW_PASSWORD = 'lantern orbit velvet canyon';

/** Tries a password at the sign-in page, in a fresh browser: true when it lets the person in. */
async function canSignIn(base: string, localpart: string, password: string): Promise<boolean> {
  const browser = newBrowser(base);
  const login = await browser.get('/account/');
  const page = await browser.submit(login, { username: localpart, password });
  return page.status === 200 && /<h1>Your account<\/h1>/.test(page.html);
}

/** The tag of the input named `name`. */
function inputTag(page: Page, name: string): string {
  const tag = new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`).exec(page.html)?.[0];
  assert.ok(tag, `the page has an input ${name}`);
  return tag;
}

/** The reason shown at the field with id `id`, if any. */
function fieldError(page: Page, id: string): string | undefined {
  return new RegExp(`<span class="field-error" id="${id}-error">([^<]*)</span>`).exec(page.html)?.[1];
}

/** No password field comes back filled in. */
function noPasswordWrittenBack(page: Page): void {
  for (const tag of page.html.match(/<input[^>]*type="password"[^>]*>/g) ?? [])
    assert.doesNotMatch(tag, /\bvalue=/, tag);
}

for (const kind of DATABASE_KINDS) {
  describe(`password change [${kind}]`, () => {
    let running: RunningMxauth;
    let client: oidc.Configuration;

    before(async () => {
      running = await startPlain(kind);
      client = await registerClient(running, { client_name: 'Element' });
      await register(running, 'liam', { email: 'liam@example.org' });
      await register(running, 'mona', { email: 'mona@example.org' });
      await register(running, 'nina');
    });
    after(() => running.close());

    test('shows registration’s strength meter and policy, and the meter’s check answers this page', async () => {
      const { browser, page } = await signedIn(running.base, 'liam', '/account/password');
      const input = inputTag(page, 'new_password');
      assert.match(input, /data-strength-url="\/password-strength"/);
      assert.match(input, /data-meter-id="password-meter"/);
      assert.match(input, /aria-describedby="new_password-hint password-feedback"/);
      assert.match(
        page.html,
        /<span class="hint" id="new_password-hint">Use a long password that you do not use elsewhere\.<\/span>/,
        'the policy registration states',
      );
      assert.match(page.html, /<label for="password-meter" class="hint">Password strength<\/label>/);
      assert.match(page.html, /<meter id="password-meter" min="0" max="4"[^>]*value="0">/);
      assert.match(page.html, /<script src="\/assets\/mxauth\.js" defer><\/script>/);
      assert.match(page.headers.get('content-security-policy')!, /connect-src 'self'/);
      assert.match(page.html, /<input type="hidden" name="username" value="liam"[^>]*data-user-input>/);

      // The script's question, with this page's CSRF token, as the meter asks it.
      const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
      const asked = await fetch(`${running.base}password-strength`, {
        method: 'POST',
        headers: {
          ...browser.headers,
          'content-type': 'application/x-www-form-urlencoded',
          cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        },
        body: new URLSearchParams({ csrf, password: NEW_PASSWORD, user_inputs: 'liam' }),
      });
      assert.equal(asked.status, 200);
      assert.equal(((await asked.json()) as { acceptable: boolean }).acceptable, true);
    });

    test('needs the current password and a strong new one, then only the new one works', async () => {
      const { browser, page } = await signedIn(running.base, 'liam', '/account/password');
      const change = (fields: Record<string, string>) => browser.submit(page, fields, '/account/password');

      let answer = await change({
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
        new_password_confirm: `${NEW_PASSWORD}!`,
        sign_out_others: 'yes',
      });
      assert.equal(answer.status, 400);
      assert.equal(notice(answer), 'The two new passwords are not the same.');
      assert.deepEqual(fieldError(answer, 'new_password_confirm'), 'The two new passwords are not the same.');
      assert.match(
        inputTag(answer, 'new_password_confirm'),
        /aria-describedby="new_password_confirm-error" aria-invalid="true" autofocus/,
        'the reason is at the field that failed, and the focus there',
      );
      assert.doesNotMatch(
        inputTag(answer, 'current_password'),
        /aria-invalid/,
        'the right one is not marked',
      );
      assert.doesNotMatch(inputTag(answer, 'new_password'), /aria-invalid/);
      assert.match(answer.html, /name="sign_out_others" value="yes" checked/, 'the choice is kept');
      noPasswordWrittenBack(answer);

      answer = await change({
        current_password: PASSWORD,
        new_password: 'liam2024',
        new_password_confirm: 'liam2024',
      });
      assert.equal(answer.status, 400);
      assert.match(
        notice(answer)!,
        /^Choose a stronger password\. The password is too weak \(\d\/4, at least 3 needed\)/,
      );
      assert.match(answer.html, /name="new_password"[^>]*aria-invalid="true"/);
      assert.match(
        fieldError(answer, 'new_password')!,
        /^Choose a stronger password\. The password is too weak \(\d\/4, at least 3 needed\)/,
      );
      assert.match(
        inputTag(answer, 'new_password'),
        /aria-describedby="new_password-hint password-feedback new_password-error" aria-invalid="true" autofocus/,
      );
      const score = /<meter id="password-meter"[^>]*value="(\d)"/.exec(answer.html)?.[1];
      assert.ok(score !== undefined && Number(score) < 3, 'the meter shows how the refused password rated');
      noPasswordWrittenBack(answer);

      answer = await change({
        current_password: 'not my password',
        new_password: NEW_PASSWORD,
        new_password_confirm: NEW_PASSWORD,
      });
      assert.equal(answer.status, 400);
      assert.equal(notice(answer), 'That is not your current password.');
      assert.match(answer.html, /name="current_password"[^>]*aria-invalid="true"/);
      assert.equal(fieldError(answer, 'current_password'), 'That is not your current password.');
      assert.match(inputTag(answer, 'current_password'), /aria-invalid="true" autofocus/, 'focus on it');
      assert.equal(answer.html.match(/\bautofocus\b/g)?.length, 1, 'and nowhere else');
      noPasswordWrittenBack(answer);
      assert.equal(await canSignIn(running.base, 'liam', PASSWORD), true, 'nothing changed yet');

      answer = await change({
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
        new_password_confirm: NEW_PASSWORD,
      });
      assert.equal(answer.status, 200);
      assert.match(answer.url, /\/account\/password\?done=password_changed$/);
      assert.equal(notice(answer), 'Your password was changed.');

      assert.equal(await canSignIn(running.base, 'liam', PASSWORD), false, 'the old password is refused');
      assert.equal(await canSignIn(running.base, 'liam', NEW_PASSWORD), true, 'the new one works');
      const mails = await messagesTo(running, 'liam@example.org');
      assert.deepEqual(
        mails.map((m) => m.message),
        [{ kind: 'password_changed', localpart: 'liam' }],
        'the owner is told by mail',
      );
      assert.equal((await browser.get('/account/devices')).status, 200, 'this browser stays signed in');
    });

    test('can sign out every other device and browser at the same time', async () => {
      const device = await signInDevice(
        running.base,
        client,
        { localpart: 'mona', password: PASSWORD },
        'MONAPHONE',
      );
      const token = device.body.access_token!;
      const { browser: other } = await signedIn(running.base, 'mona');
      // A browser that signed in for an app and never opened the account pages.
      const appBrowser = newBrowser(running.base);
      const authorize = () =>
        appBrowser.get(
          oidcClient.buildAuthorizationUrl(client, {
            redirect_uri: 'https://app.example.com/cb',
            scope: 'openid',
            state: 's',
            code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
            code_challenge_method: 'S256',
          }).href,
        );
      await appBrowser.submit(await authorize(), { username: 'mona', password: PASSWORD });
      assert.doesNotMatch((await authorize()).html, /name="password"/, 'signed in for apps');
      const { browser, page } = await signedIn(running.base, 'mona', '/account/password');
      const answer = await browser.submit(
        page,
        {
          current_password: PASSWORD,
          new_password: NEW_PASSWORD,
          new_password_confirm: NEW_PASSWORD,
          sign_out_others: 'yes',
        },
        '/account/password',
      );
      assert.equal(notice(answer), 'Your password was changed, and you were signed out everywhere else.');
      assert.equal((await introspect(running, token)).active, false, 'the device is signed out');
      assert.match((await other.get('/account/')).html, /name="password"/, 'the other browser is signed out');
      assert.match(
        (await authorize()).html,
        /name="password"/,
        'a browser only an app signed in with must sign in again too',
      );
      assert.equal((await browser.get('/account/')).status, 200);
      assert.doesNotMatch((await browser.get('/account/')).html, /name="password"/, 'this browser is not');
    });

    test('too many wrong current passwords are refused for a while (429), and forms need CSRF', async () => {
      const { browser, page } = await signedIn(running.base, 'nina', '/account/password');
      let answer = page;
      for (let i = 0; i < 4 && answer.status !== 429; i++)
        answer = await browser.submit(
          page,
          { current_password: `guess ${i}`, new_password: NEW_PASSWORD, new_password_confirm: NEW_PASSWORD },
          '/account/password',
        );
      assert.equal(answer.status, 429);
      // Three attempts a minute per address by default: the fourth waits 20 seconds, said as a minute.
      assert.equal(notice(answer), 'Too many password attempts. Try again in 1 minute.');
      assert.equal(answer.headers.get('retry-after'), '20');
      assert.match(inputTag(answer, 'current_password'), /aria-invalid="true" autofocus/);
      const forged = await postWithoutCsrf(browser, '/account/password', {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
        new_password_confirm: NEW_PASSWORD,
      });
      assert.equal(forged.status, 403);
      assert.equal(await canSignIn(running.base, 'nina', PASSWORD), true);
    });
  });
}
