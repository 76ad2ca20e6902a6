import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import * as oidcClient from 'openid-client';
import { newBrowser } from '../helpers/browser.js';
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

    test('needs the current password and a strong new one, then only the new one works', async () => {
      const { browser, page } = await signedIn(running.base, 'liam', '/account/password');
      const change = (fields: Record<string, string>) => browser.submit(page, fields, '/account/password');

      let answer = await change({
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
        new_password_confirm: `${NEW_PASSWORD}!`,
      });
      assert.equal(answer.status, 400);
      assert.equal(notice(answer), 'The two new passwords are not the same.');

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

      answer = await change({
        current_password: 'not my password',
        new_password: NEW_PASSWORD,
        new_password_confirm: NEW_PASSWORD,
      });
      assert.equal(answer.status, 400);
      assert.equal(notice(answer), 'That is not your current password.');
      assert.match(answer.html, /name="current_password"[^>]*aria-invalid="true"/);
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
      assert.equal(notice(answer), 'Too many password attempts. Wait a minute and try again.');
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
