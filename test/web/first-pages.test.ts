import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newBrowser } from '../helpers/browser.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

/** The text a person reads on a page: tags, the head and the language switch stripped. */
function visible(html: string): string {
  return html
    .replace(/<head>[\s\S]*?<\/head>/, '')
    .replace(/<nav class="languages"[\s\S]*?<\/nav>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&rsquo;/g, '’')
    .replace(/\s+/g, ' ');
}

async function page(server: RunningMxauth, path: string, language = 'en') {
  const response = await fetch(new URL(path, server.base), {
    headers: { accept: 'text/html', 'accept-language': language },
    redirect: 'manual',
  });
  const html = await response.text();
  return { status: response.status, headers: response.headers, html, text: visible(html) };
}

describe('the pages a person meets first', () => {
  let server: RunningMxauth;
  let clientId: string;
  before(async () => {
    server = await startMxauth('sqlite');
    clientId = (await registerClient(server)).clientMetadata().client_id;
  });
  after(() => server.close());

  test('/ is a start page with sign-in and create-account links, and shows who is signed in', async () => {
    const home = await page(server, '/');
    assert.equal(home.status, 200);
    assert.match(home.text, /This is where you sign in to your Matrix account on example\.test/);
    assert.match(home.html, /<a class="button" href="\/account\/">Sign in<\/a>/);
    assert.match(home.html, /href="\/register">Create an account<\/a>/);

    // "Create an account" opens the registration page of mxauth's own sign-in.
    const register = await page(server, '/register');
    assert.equal(register.status, 302);
    const authorize = new URL(register.headers.get('location')!);
    assert.equal(authorize.searchParams.get('prompt'), 'create');

    const browser = newBrowser(server.base);
    assert.ok(
      (await server.mxauth.users.register({ localpart: 'hana', password: 'a long enough passphrase' })).ok,
    );
    let signIn = await browser.get(new URL('account/', server.base).href);
    signIn = await browser.submit(signIn, { username: 'hana', password: 'a long enough passphrase' });
    const signedIn = visible((await browser.get(server.base)).html);
    assert.match(signedIn, /You are signed in as @hana:example\.test/);
    assert.match(signedIn, /Manage your account/);
    assert.doesNotMatch(signedIn, /Create an account/);
  });

  test('signing in to the account pages names them in the person’s language, not by a client name', async () => {
    for (const [language, lead] of [
      ['en', /to continue to your account on example\.test/],
      ['de', /um mit deinem Konto auf example\.test fortzufahren/],
    ] as const) {
      const browser = newBrowser(server.base, { accept: 'text/html', 'accept-language': language });
      const login = await browser.get(new URL('account/', server.base).href);
      assert.match(login.html, /name="password"/);
      assert.match(visible(login.html), lead);
      assert.doesNotMatch(visible(login.html), /\bAccount\b/);
    }
  });

  test('a page that does not exist is a branded 404 in the person’s language, with a way back', async () => {
    const missing = await page(server, '/no/such/page', 'de');
    assert.equal(missing.status, 404);
    assert.match(missing.html, /<html lang="de"/);
    assert.match(missing.html, /<link rel="stylesheet" href="\/assets\/mxauth\.css">/);
    assert.match(missing.text, /Seite nicht gefunden/);
    assert.match(missing.html, /<a class="button" href="\/">Zur Startseite<\/a>/);
    // API clients still get their own format.
    const api = await fetch(new URL('no/such/page', server.base), {
      headers: { accept: 'application/json' },
    });
    assert.equal(api.status, 404);
    assert.equal(((await api.json()) as { error: string }).error, 'not_found');
  });

  test('every page has an icon, and /favicon.ico leads to it', async () => {
    const home = await page(server, '/');
    assert.match(home.html, /<link rel="icon" href="\/assets\/favicon\.svg">/);
    const ico = await page(server, '/favicon.ico');
    assert.equal(ico.status, 302);
    assert.equal(ico.headers.get('location'), '/assets/favicon.svg');
    const svg = await fetch(new URL('assets/favicon.svg', server.base));
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    assert.match(await svg.text(), /^<svg /);
  });

  const authorize = (params: Record<string, string>) =>
    `/authorize?${new URLSearchParams({ response_type: 'code', scope: 'openid', ...params })}`;

  test('an unknown app gets a human sentence in English and German, the code below, never the engine’s text', async () => {
    const path = authorize({ client_id: 'nobody', redirect_uri: 'https://app.example.com/cb' });
    const en = await page(server, path, 'en');
    assert.equal(en.status, 400);
    assert.match(en.text, /This app is not registered with example\.test\./);
    assert.match(en.text, /Error code: invalid_client/);
    assert.doesNotMatch(en.text, /client is invalid/);
    const de = await page(server, path, 'de');
    assert.match(de.text, /Diese App ist bei example\.test nicht registriert\./);
    assert.match(de.text, /Fehlercode: invalid_client/);
    assert.doesNotMatch(de.text, /client is invalid/);
  });

  test('a redirect address the app did not register is named as such, in the person’s words', async () => {
    const wrong = await page(
      server,
      authorize({ client_id: clientId, redirect_uri: 'https://evil.example/cb' }),
    );
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /asked to send you to an address it did not register with example\.test/);
    assert.doesNotMatch(wrong.text, /did not match any of the client/);
  });

  test('an authorization of the account pages that ends in an error says which, not "the form expired"', async () => {
    const unsupported = await page(server, '/account/callback?error=unsupported_response_type&state=x');
    assert.equal(unsupported.status, 400);
    assert.match(unsupported.text, /asked to sign in in a way example\.test does not support/);
    assert.match(unsupported.text, /Error code: unsupported_response_type/);
    assert.doesNotMatch(unsupported.text, /form expired/);
    assert.match(unsupported.html, /<a class="button" href="\/account\/">Start again<\/a>/);
    // Whatever else the query says is not repeated on the page.
    const odd = await page(server, '/account/callback?error=Call%20555-0100');
    assert.doesNotMatch(odd.text, /555/);
    // A sign-in that came back to another browser (no state here) is told to start again.
    const lost = await page(server, '/account/callback?code=abc&state=x');
    assert.equal(lost.status, 400);
    assert.match(lost.text, /started in another browser, or took too long/);
    assert.doesNotMatch(lost.text, /form expired/);
  });
});
