import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

const get = (server: RunningMxauth, path: string, headers: Record<string, string> = {}) =>
  fetch(new URL(path, server.base), { redirect: 'manual', headers });

const languageCookies = (response: Response) =>
  response.headers.getSetCookie().filter((c) => /^(__Host-)?mxauth-lang=/.test(c));

/** The hrefs of the language switch on a page, by language. */
function switchLinks(page: string): Record<string, string> {
  const nav = /<nav class="languages"[^>]*>([\s\S]*?)<\/nav>/.exec(page)?.[1] ?? '';
  return Object.fromEntries(
    [...nav.matchAll(/<a href="([^"]*)" hreflang="([^"]*)"/g)].map((m) => [
      m[2]!,
      m[1]!.replaceAll('&amp;', '&'),
    ]),
  );
}

for (const kind of DATABASE_KINDS) {
  describe(`language [${kind}]`, () => {
    let server: RunningMxauth;
    let secure: RunningMxauth;

    before(async () => {
      server = await startMxauth(kind);
      secure = await startMxauth(kind, {}, { scheme: 'https' });
    });
    after(async () => {
      await server.close();
      await secure.close();
    });

    test('Accept-Language picks the catalog and <html lang>; English when nothing fits', async () => {
      const german = await (await get(server, 'link', { 'accept-language': 'fr;q=0.9, de-AT;q=0.8' })).text();
      assert.match(german, /<html lang="de"/);
      assert.match(german, /<h1>Gerät verbinden<\/h1>/);
      const other = await (await get(server, 'link', { 'accept-language': 'ja' })).text();
      assert.match(other, /<html lang="en"/);
      assert.match(other, /<h1>Connect a device<\/h1>/);
    });

    test('every page has a switch to each language that keeps the query, marking the current one', async () => {
      const page = await (await get(server, 'link?y=a%20b&x=%2F1')).text();
      assert.deepEqual(switchLinks(page), {
        en: '/link?y=a%20b&x=%2F1&lang=en',
        de: '/link?y=a%20b&x=%2F1&lang=de',
      });
      assert.match(page, /<a href="[^"]*lang=en" hreflang="en" lang="en" aria-current="true">English<\/a>/);
      assert.match(page, /<a href="[^"]*lang=de" hreflang="de" lang="de">Deutsch<\/a>/);
    });

    test('following the switch stores the choice in a cookie and reloads the page without ?lang', async () => {
      const response = await get(server, 'link?y=a%20b&lang=de&x=1', { 'accept-language': 'en' });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/link?y=a%20b&x=1');
      const [cookie, ...others] = languageCookies(response);
      assert.equal(others.length, 0);
      assert.match(cookie!, /^mxauth-lang=de;/);
      assert.match(cookie!, /; path=\/;/i);
      assert.match(cookie!, /; httponly/i);
      assert.match(cookie!, /; samesite=lax/i);
      assert.doesNotMatch(cookie!, /; secure/i, 'a plain-http public_base cannot carry Secure cookies');

      // The cookie wins over Accept-Language, on every page.
      const page = await (
        await get(server, 'link?y=a%20b&x=1', { 'accept-language': 'en', cookie: 'mxauth-lang=de' })
      ).text();
      assert.match(page, /<html lang="de"/);
      assert.match(page, /<h1>Gerät verbinden<\/h1>/);
      assert.match(page, /aria-current="true">Deutsch</);
    });

    test('the cookie is Secure and __Host- when public_base is https', async () => {
      const response = await get(secure, 'link?lang=de');
      assert.equal(response.status, 303);
      assert.match(languageCookies(response)[0]!, /^__Host-mxauth-lang=de;.*; secure/i);
    });

    test('an unknown language, or a cookie naming one, changes nothing', async () => {
      const response = await get(server, 'link?lang=xx', { 'accept-language': 'de' });
      assert.equal(response.status, 200);
      assert.deepEqual(languageCookies(response), []);
      assert.match(await response.text(), /<html lang="de"/);
      for (const value of ['xx', '__proto__', 'constructor', 'toString']) {
        const named = await get(server, 'link', { 'accept-language': 'de', cookie: `mxauth-lang=${value}` });
        assert.equal(named.status, 200, value);
        assert.match(await named.text(), /<html lang="de"/, value);
      }
    });

    test('the switch never redirects to another host', async () => {
      for (const path of [
        '//evil.example/?lang=de',
        '/%5Cevil.example/?lang=de',
        '/\\evil.example?lang=de',
      ]) {
        const response = await fetch(`${server.base.slice(0, -1)}${path}`, { redirect: 'manual' });
        assert.equal(response.status, 303, path);
        const location = response.headers.get('location') ?? '';
        assert.match(location, /^\/[^/\\]/, `${path} → ${location}`);
      }
    });

    test('on a page answering a form post, the switch goes back to the page that held the form', async () => {
      const form = await get(server, 'link?x=1');
      const cookies = form.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const html = await form.text();
      const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!;
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
      const post = (referer?: string) =>
        fetch(action, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            cookie: cookies,
            ...(referer ? { referer } : {}),
          },
          body: new URLSearchParams({ xsrf, user_code: 'WRONG-CODE' }),
        }).then((r) => r.text());
      const fromForm = await post(`${server.base}link?x=1`);
      assert.match(fromForm, /This code is wrong or has expired/);
      assert.equal(switchLinks(fromForm).de, '/link?x=1&lang=de');
      assert.equal(switchLinks(await post('https://elsewhere.example/link?y=2')).de, '/link?lang=de');
    });

    test('switching language on the sign-in page keeps the sign-in going', async () => {
      const client = await registerClient(server);
      const browser = newBrowser(server.base, { 'accept-language': 'en' });
      const url = oidc.buildAuthorizationUrl(client, {
        redirect_uri: 'https://app.example.com/cb',
        scope: 'urn:matrix:client:api:*',
        state: 'lang',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      });
      const english = await browser.get(url.href);
      assert.match(english.html, /<html lang="en"/);
      assert.match(english.url, /\/interaction\/[^/?]+$/);
      const german = await browser.get(switchLinks(english.html).de!);
      assert.equal(german.url, english.url, 'the same step of the same sign-in');
      assert.match(german.html, /<html lang="de"/);
      assert.match(german.html, /name="password"/);
      assert.equal(browser.cookies.get('mxauth-lang'), 'de');
    });
  });
}
