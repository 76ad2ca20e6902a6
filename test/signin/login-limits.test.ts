import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import { type FormBrowser, newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';
import { authorize, PASSWORD, REDIRECT, redeem } from './helpers.js';

const KNOWN = 'mxauth-known-browser';

for (const kind of DATABASE_KINDS) {
  describe(`the per-account sign-in limit counts wrong passwords only, and not in known browsers [${kind}]`, () => {
    let server: RunningMxauth;
    let client: oidc.Configuration;
    let base: string;
    let addresses = 0;

    before(async () => {
      // The default per-account limit (10 at once, 30 an hour); every request below has an address of
      // its own, so the per-address limit stays out of the way.
      server = await startMxauth(kind, {
        rate_limiting: { login: { per_ip: { burst: 1000, per_second: 100 } } },
      });
      base = server.base.replace(/\/$/, '');
      for (const localpart of ['owner', 'steady', 'legacy'])
        assert.ok((await server.mxauth.users.register({ localpart, password: PASSWORD })).ok);
      client = await registerClient(server, {
        client_uri: 'https://app.example.com/',
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      });
    });
    after(() => server.close());

    const compatLogin = async (user: string, password: string) => {
      addresses++;
      const response = await fetch(`${base}/_matrix/client/v3/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': `198.18.${Math.floor(addresses / 250)}.${(addresses % 250) + 1}`,
        },
        body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user }, password }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    /** Signs in through the login page; the last page (the client's redirect, or the refusal). */
    const pageLogin = async (browser: FormBrowser, username: string, password: string) => {
      const { page, verifier } = await authorize(browser, client);
      assert.match(page.html, /name="password"/);
      let next = await browser.submit(page, { username, password });
      // A third-party client: a right password leads to the consent page first.
      if (/name="decision"/.test(next.html)) next = await browser.submit(next, { decision: 'allow' });
      return { page: next, verifier };
    };

    /** Ends the browser's session (as signing out does) but keeps the known-browser cookie. */
    const signOut = (browser: FormBrowser) => {
      for (const name of [...browser.cookies.keys()]) if (name !== KNOWN) browser.cookies.delete(name);
    };

    test('40 wrong passwords: a fresh browser is refused the right one; a browser used before signs in', async () => {
      const known = newBrowser(server.base);
      const first = await pageLogin(known, 'owner', PASSWORD);
      await redeem(client, first.page, first.verifier);
      assert.ok(known.cookies.has(KNOWN), 'the browser is remembered for the account');
      signOut(known);

      const answers: number[] = [];
      for (let i = 0; i < 40; i++) answers.push((await compatLogin('owner', `guess ${i}`)).status);
      assert.deepEqual(answers.slice(0, 10), Array(10).fill(403), 'the burst: wrong passwords');
      assert.ok(
        answers.slice(10).every((s) => s === 429),
        'then the account is limited',
      );

      const fresh = newBrowser(server.base);
      const refused = await pageLogin(fresh, 'owner', PASSWORD);
      assert.equal(refused.page.status, 429);
      assert.match(
        refused.page.html,
        /Too many wrong passwords were tried for this account\. Wait \d+ min and try again, sign in from a browser you have signed in to this account with before, or reset your password\./,
      );
      assert.ok(Number(refused.page.headers.get('retry-after')) > 0);
      const api = await compatLogin('owner', PASSWORD);
      assert.equal(api.status, 429, 'the API has no browser to know');
      assert.equal(api.body.errcode, 'M_LIMIT_EXCEEDED');

      const again = await pageLogin(known, 'owner', PASSWORD);
      const tokens = await redeem(client, again.page, again.verifier);
      assert.ok(tokens.access_token);
    });

    test('a cookie for another account, or a forged one, does not lift the limit', async () => {
      const other = newBrowser(server.base);
      const signedIn = await pageLogin(other, 'steady', PASSWORD);
      await redeem(client, signedIn.page, signedIn.verifier);
      signOut(other);
      assert.equal((await pageLogin(other, 'owner', PASSWORD)).page.status, 429);
      const forged = newBrowser(server.base);
      const [userId, issued, browserId] = other.cookies.get(KNOWN)!.split('.');
      const owner = await server.mxauth.services.storage.users.findByLocalpart('owner');
      forged.cookies.set(KNOWN, `${owner!.id}.${issued}.${browserId}.${'A'.repeat(22)}`);
      assert.notEqual(userId, owner!.id);
      assert.equal((await pageLogin(forged, 'owner', PASSWORD)).page.status, 429);
    });

    test('right passwords do not count, on the login page and in the compatibility API', async () => {
      for (let i = 0; i < 15; i++) assert.equal((await compatLogin('legacy', PASSWORD)).status, 200);
      for (let i = 0; i < 12; i++) {
        const { page, verifier } = await pageLogin(newBrowser(server.base), 'legacy', PASSWORD);
        await redeem(client, page, verifier);
      }
      // The whole budget is still there: ten wrong ones are told wrong, the eleventh is limited.
      for (let i = 0; i < 10; i++) assert.equal((await compatLogin('legacy', `nope ${i}`)).status, 403);
      assert.equal((await compatLogin('legacy', 'nope')).status, 429);
    });
  });

  describe(`X-Forwarded-For from an appending proxy: the client's own entries change nothing [${kind}]`, () => {
    let server: RunningMxauth;
    before(async () => {
      server = await startMxauth(kind, {
        rate_limiting: { login: { per_ip: { burst: 3, per_second: 1 / 600 } } },
      });
      assert.ok((await server.mxauth.users.register({ localpart: 'someone', password: PASSWORD })).ok);
    });
    after(() => server.close());

    test('a spoofed leftmost entry does not give a new address to the login limit', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${server.base}_matrix/client/v3/login`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            // What the client wrote, then what the proxy (at 127.0.0.1, trusted) appended: ip:port.
            'x-forwarded-for': `203.0.113.${i + 1}, 198.51.100.9:${40000 + i}`,
          },
          body: JSON.stringify({
            type: 'm.login.password',
            identifier: { type: 'm.id.user', user: `nobody${i}` },
            password: 'wrong',
          }),
        });
        statuses.push(response.status);
        await response.body?.cancel();
      }
      assert.deepEqual(statuses, [403, 403, 403, 429, 429]);
    });
  });
}
