import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FormBrowser, newBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { introspect, type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const CLIENT = 'https://client.example.org/sso/done?keep=1&x=a%20b';
const SSO = '/_matrix/client/v3/login/sso/redirect';

let addresses = 0;

/** `m.login.token` at the compat login endpoint, from an address of its own (the per-IP limit). */
async function tokenLogin(server: RunningMxauth, token: string) {
  addresses++;
  const response = await fetch(`${server.base}_matrix/client/v3/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.18.7.${addresses}` },
    body: JSON.stringify({ type: 'm.login.token', token }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const ssoUrl = (redirectUrl: string, extra = '', path = SSO) =>
  `${path}?redirectUrl=${encodeURIComponent(redirectUrl)}${extra}`;

for (const kind of DATABASE_KINDS) {
  describe(`SSO redirect for legacy clients [${kind}]`, () => {
    let server: RunningMxauth;

    before(async () => {
      server = await startMxauth(kind, {
        // action=register opens the registration page; its email step is covered in test/signin.
        account: { password_registration_enabled: true, password_registration_email_required: false },
      });
      assert.ok((await server.mxauth.users.register({ localpart: 'alice', password: PASSWORD })).ok);
    });
    after(() => server.close());

    /** Runs the redirect in `browser` up to the confirmation page, signing in as alice when asked. */
    async function toConfirmation(browser: FormBrowser, url: string): Promise<Page> {
      let page = await browser.get(url);
      if (page.html.includes('name="password"'))
        page = await browser.submit(page, { username: 'alice', password: PASSWORD });
      assert.equal(page.status, 200, page.html);
      return page;
    }

    test('redirectUrl receives a loginToken that logs in once', async () => {
      const browser = newBrowser(server.base);
      const confirm = await toConfirmation(browser, ssoUrl(CLIENT));
      assert.match(confirm.html, /Continue to client\.example\.org\?/);
      assert.match(confirm.html, /full access to your account/);
      assert.match(confirm.html, /@alice:example\.test/);

      const done = await browser.submit(confirm, {});
      assert.equal(done.external, true);
      const target = new URL(done.url);
      assert.equal(`${target.origin}${target.pathname}`, 'https://client.example.org/sso/done');
      assert.equal(target.searchParams.get('keep'), '1', "the client's own parameters stay");
      assert.equal(target.searchParams.get('x'), 'a b');
      const token = target.searchParams.get('loginToken') ?? '';
      assert.ok(token.startsWith('mcl_'), done.url);

      const first = await tokenLogin(server, token);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.user_id, '@alice:example.test');
      const info = await introspect(server, first.body.access_token as string);
      assert.equal(info.active, true);
      assert.equal(info.username, 'alice');

      const second = await tokenLogin(server, token);
      assert.equal(second.status, 403);
      assert.equal(second.body.errcode, 'M_FORBIDDEN');
    });

    test('an unknown identity provider id (and the r0 path) is plain login', async () => {
      const browser = newBrowser(server.base);
      let page = await browser.get(
        ssoUrl('http://localhost:8080/', '', '/_matrix/client/r0/login/sso/redirect/oidc-nobody-knows'),
      );
      assert.match(page.html, /name="password"/, 'mxauth asks for the password itself');
      page = await browser.submit(page, { username: 'alice', password: PASSWORD });
      assert.match(page.html, /Continue to localhost:8080\?/);
      // Signed in now: the next redirect goes straight to the confirmation.
      page = await browser.get(ssoUrl('http://localhost:8080/', '', `${SSO}/another`));
      assert.match(page.html, /Continue to localhost:8080\?/);
      const done = await browser.submit(page, {});
      assert.match(done.url, /^http:\/\/localhost:8080\/\?loginToken=mcl_/);
    });

    test('action=register lands on registration, and the new account gets the token', async () => {
      const browser = newBrowser(server.base);
      let page = await browser.get(ssoUrl(CLIENT, '&action=register'));
      assert.equal(page.status, 200);
      assert.match(page.html, /name="password_confirm"/, 'the registration page');
      assert.match(page.html, /Create an account/);
      page = await browser.submit(page, {
        username: 'newcomer',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.match(page.html, /@newcomer:example\.test/);
      const done = await browser.submit(page, {});
      const token = new URL(done.url).searchParams.get('loginToken')!;
      const login = await tokenLogin(server, token);
      assert.equal(login.body.user_id, '@newcomer:example.test');
    });

    test('a missing, relative or non-http redirectUrl gives a 400 page and no redirect', async () => {
      const browser = newBrowser(server.base);
      await toConfirmation(browser, ssoUrl(CLIENT)); // signed in: refusals are not about signing in
      for (const url of [
        SSO,
        `${SSO}?redirectUrl=`,
        ssoUrl('/relative/path'),
        ssoUrl('//evil.example/'),
        ssoUrl('javascript:alert(1)'),
        ssoUrl('data:text/html,hi'),
        ssoUrl('ftp://files.example/'),
      ]) {
        const page = await browser.get(url);
        assert.equal(page.status, 400, url);
        assert.equal(page.external, false, url);
        assert.match(page.headers.get('content-type') ?? '', /text\/html/);
        assert.match(page.html, /This sign-in link is broken/, url);
      }
      // Nor does the confirmation accept one.
      const confirm = await toConfirmation(browser, ssoUrl(CLIENT));
      const forged = {
        ...confirm,
        html: confirm.html.replace(/action="[^"]*"/, `action="${ssoUrl('javascript:alert(1)')}"`),
      };
      assert.equal((await browser.submit(forged, {})).status, 400);
    });

    test('the confirmation needs its CSRF token', async () => {
      const browser = newBrowser(server.base);
      const confirm = await toConfirmation(browser, ssoUrl(CLIENT));
      const action = /<form method="post" action="([^"]+)"/.exec(confirm.html)?.[1];
      assert.ok(action);
      const bare = { ...confirm, html: `<form method="post" action="${action}"></form>` };
      const refused = await browser.submit(bare, {});
      assert.equal(refused.status, 403);
      assert.equal(refused.external, false);
      assert.equal((await browser.submit(confirm, { csrf: 'forged' })).status, 403);
      // Another browser's valid token does not fit this browser's cookie.
      const other = newBrowser(server.base);
      const otherToken = /name="csrf" value="([^"]+)"/.exec(
        (await toConfirmation(other, ssoUrl(CLIENT))).html,
      )?.[1];
      assert.equal((await browser.submit(confirm, { csrf: otherToken! })).status, 403);
      assert.equal((await browser.submit(confirm, {})).external, true, 'the real form still works');
    });
  });
}
