import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { type FormBrowser, newBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import {
  introspect as introspectToken,
  type RunningMxauth,
  registerClient,
  startMxauth,
} from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';

for (const kind of DATABASE_KINDS) {
  describe(`account page [${kind}]`, () => {
    let server: RunningMxauth;
    let config: oidc.Configuration;

    before(async () => {
      server = await startMxauth(kind);
      for (const localpart of ['carol', 'mallory'])
        assert.ok((await server.mxauth.users.register({ localpart, password: PASSWORD })).ok);
      config = await registerClient(server, {
        client_name: 'Phone app',
        client_uri: 'https://app.example.com/',
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      });
    });
    after(() => server.close());

    /** Signs `localpart` in with the test client in `browser`, for device `deviceId`; returns the access token. */
    async function signInDevice(browser: FormBrowser, localpart: string, deviceId: string) {
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: `urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`,
        state: 'st',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      let page = await browser.get(url.href);
      if (page.html.includes('name="password"'))
        page = await browser.submit(page, { username: localpart, password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 'st',
      });
      return tokens.access_token;
    }

    const active = async (token: string) => (await introspectToken(server, token)).active;

    test('lists signed-in devices and signs one out', async () => {
      const browser = newBrowser(server.base);
      const phone = await signInDevice(browser, 'carol', 'PHONE00001');
      const laptop = await signInDevice(browser, 'carol', 'LAPTOP0001');
      let page = await browser.get('/account/?action=org.matrix.device_delete&device_id=PHONE00001');
      assert.equal(page.status, 200);
      assert.match(page.html, /@carol:example.test/);
      assert.match(
        page.html,
        /<tr class="focus" aria-current="true">\s*<td>Phone app[\s\S]*?<\/td>\s*<td><code>PHONE00001<\/code>/,
      );
      assert.match(page.html, /LAPTOP0001/);

      const phoneForm = /<tr class="focus"[\s\S]*?<form method="post" action="([^"]+\/end)"/.exec(
        page.html,
      )?.[1];
      assert.ok(phoneForm);
      page = await browser.submit(page, {}, phoneForm);
      assert.match(page.url, /\/account\/\?ended=1$/);
      assert.match(page.html, /The device was signed out/);
      assert.equal(await active(phone), false, 'the signed-out device lost access at once');
      assert.equal(await active(laptop), true, 'the other device is untouched');
      assert.doesNotMatch(page.html, /PHONE00001/);
    });

    test('signing in again with a device id ends the session that had it', async () => {
      const browser = newBrowser(server.base);
      const first = await signInDevice(browser, 'carol', 'REUSED0001');
      const second = await signInDevice(browser, 'carol', 'REUSED0001');
      assert.equal(await active(first), false);
      assert.equal(await active(second), true);
    });

    test('without a browser session the account page asks to sign in, then comes back', async () => {
      const browser = newBrowser(server.base);
      let page = await browser.get('/account/?action=org.matrix.devices_list');
      assert.match(page.html, /name="password"/);
      page = await browser.submit(page, { username: 'carol', password: PASSWORD });
      assert.match(page.url, /\/account\/\?action=org\.matrix\.devices_list$/);
      assert.match(page.html, /@carol:example.test/);
    });

    test('every view has "Sign out" in its header, which ends this browser’s session only', async () => {
      const browser = newBrowser(server.base);
      let page = await browser.get('/account/profile');
      page = await browser.submit(page, { username: 'carol', password: PASSWORD });
      const other = newBrowser(server.base);
      await other.submit(await other.get('/account/'), { username: 'carol', password: PASSWORD });

      const nav = /<nav class="account-nav"[\s\S]*?<\/nav>/.exec(page.html)?.[0] ?? '';
      const views = [...nav.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
      assert.ok(views.length >= 4, JSON.stringify(views));
      for (const view of views) {
        const shown = await browser.get(view);
        const header = /<div class="account-header">([\s\S]*?)<div class="account-body">/.exec(
          shown.html,
        )?.[1];
        assert.ok(header, `${view} has the account header`);
        assert.match(header, /<h1>Your account<\/h1>/);
        assert.match(
          header,
          /<button type="submit" form="account-sign-out" class="secondary">Sign out<\/button>/,
          `${view} has Sign out in its header`,
        );
        assert.match(
          shown.html,
          /<form method="post" action="\/account\/sign-out" id="account-sign-out" hidden>\s*<input type="hidden" name="csrf" value="[^"]+">\s*<\/form>/,
          `${view} has the form that button posts, with its CSRF token`,
        );
        const forms = [...shown.html.matchAll(/<form\b[^>]*>/g)].map((m) => m[0]);
        assert.ok(forms.at(-1)!.includes('id="account-sign-out"'), 'after the view’s own forms');
      }

      /** The rows of the browsers table. */
      const browserRows = (shown: Page) =>
        (/<h3>Browsers<\/h3>[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(shown.html)?.[1] ?? '').match(/<tr\b/g)
          ?.length ?? 0;
      const listedBefore = browserRows(await other.get('/account/devices'));

      const forged = await browser.submit(
        { ...page, html: '<form method="post" action="/account/sign-out"></form>' },
        {},
      );
      assert.equal(forged.status, 403, 'no CSRF token, no sign-out');
      assert.doesNotMatch((await browser.get('/account/')).html, /name="password"/, 'still signed in');

      const bye = await browser.submit(page, {}, '/account/sign-out');
      assert.equal(bye.status, 200);
      assert.match(bye.html, /<h1>You are signed out<\/h1>/);
      assert.match(bye.html, /This browser is signed out of your account\./);
      assert.match(bye.html, /<a href="\/account\/">Sign in again<\/a>/);
      assert.match(
        (await browser.get('/account/profile')).html,
        /name="password"/,
        'this browser must sign in again',
      );
      const stays = await other.get('/account/devices');
      assert.doesNotMatch(
        stays.html,
        /name="password"/,
        'another browser of the same person stays signed in',
      );
      assert.equal(browserRows(stays), listedBefore - 1, 'the signed-out browser is no longer listed');

      const again = await browser.submit(await browser.get('/account/'), {
        username: 'carol',
        password: PASSWORD,
      });
      assert.match(again.html, /<h1>Your account<\/h1>/, 'signing in again works');
    });

    test("another user's session cannot be ended, and forms need their CSRF token", async () => {
      const victim = newBrowser(server.base);
      const token = await signInDevice(victim, 'carol', 'VICTIM0001');
      const carol = (await server.mxauth.users.list({ limit: 10 })).find(
        (u) => u.user.localpart === 'carol',
      )!.user;
      const target = (await server.mxauth.sessions.listForUser(carol.id)).find(
        (s) => s.deviceId === 'VICTIM0001',
      )!;
      const forgedForm = (page: Page) => ({
        ...page,
        html: `<form method="post" action="/account/sessions/${target.id}/end"></form>`,
      });

      const attacker = newBrowser(server.base);
      await signInDevice(attacker, 'mallory', 'MALLORY001');
      const own = await attacker.get('/account/');
      const csrf = /name="csrf" value="([^"]+)"/.exec(own.html)?.[1];
      assert.ok(csrf, 'mallory has a device, so her page has sign-out forms');
      assert.equal((await attacker.submit(forgedForm(own), { csrf })).status, 404);
      assert.equal((await victim.submit(forgedForm(own), {})).status, 403, 'no CSRF token, no action');
      assert.equal(await active(token), true);
    });
  });
}
