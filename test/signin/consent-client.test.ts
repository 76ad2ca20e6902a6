import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';
import { authorize, heading, PASSWORD } from './helpers.js';

/** The consent page `metadata`'s client gets, signed in as `someone`, in `language`. */
async function consentFor(
  server: RunningMxauth,
  metadata: Record<string, unknown>,
  language = 'en',
): Promise<Page> {
  const client = await registerClient(server, metadata);
  const browser = newBrowser(server.base, { 'accept-language': language });
  const { page: login } = await authorize(browser, client);
  const page = await browser.submit(login, { username: 'someone', password: PASSWORD });
  assert.match(heading(page), /Allow access\?|Zugriff erlauben\?/, page.html);
  return page;
}

/** The `<span class="client-logo">` block: the initial and, when shown, the logo over it. */
const logoBlock = (page: Page): string =>
  /<span class="client-logo"[^>]*>.*?<\/span>(?:<img [^>]*>)?<\/span>/s.exec(page.html)?.[0] ?? '';

const imgSrc = (page: Page): string =>
  /(?:^|;)\s*(img-src [^;]*)/.exec(page.headers.get('content-security-policy') ?? '')?.[1] ?? '';

for (const kind of DATABASE_KINDS) {
  describe(`the client on the consent page [${kind}]`, () => {
    let server: RunningMxauth;

    before(async () => {
      server = await startMxauth(kind);
      assert.ok((await server.mxauth.users.register({ localpart: 'someone', password: PASSWORD })).ok);
    });
    after(() => server.close());

    test("a logo on the client_uri's own host is shown over the initial, and the CSP allows that origin only", async () => {
      const page = await consentFor(server, {
        client_name: 'Test App',
        logo_uri: 'https://app.example.com/logo.png',
      });
      const block = logoBlock(page);
      assert.match(block, /<span class="client-initial">T<\/span>/, 'the initial under the logo');
      assert.match(block, /<img src="https:\/\/app\.example\.com\/logo\.png" alt="" data-initial="T"/);
      assert.match(page.html, /<script src="\/assets\/mxauth\.js" defer><\/script>/, 'hides a failed logo');
      assert.equal(imgSrc(page), "img-src 'self' data: https://app.example.com");
    });

    test('a logo on another host (even a subdomain of the site) is never fetched: the initial, and no https: images', async () => {
      const page = await consentFor(server, {
        client_name: 'élan',
        logo_uri: 'https://cdn.app.example.com/logo.png',
      });
      const block = logoBlock(page);
      assert.match(block, /<span class="client-initial">É<\/span>/);
      assert.doesNotMatch(page.html, /cdn\.app\.example\.com/, 'the logo is not even named');
      assert.doesNotMatch(page.html, /<img /, 'no image on the page');
      assert.equal(imgSrc(page), "img-src 'self' data:");
    });

    test('a client without a logo gets its initial', async () => {
      const page = await consentFor(server, { client_name: 'Zed' });
      assert.match(logoBlock(page), /<span class="client-initial">Z<\/span><\/span>$/);
      assert.equal(imgSrc(page), "img-src 'self' data:");
    });

    test("the client's own terms and privacy policy are linked as the app's, in a new tab", async () => {
      const page = await consentFor(server, {
        client_name: 'Test App',
        tos_uri: 'https://app.example.com/terms?v=2&x=1',
        policy_uri: 'https://app.example.com/privacy',
      });
      assert.match(
        page.html,
        /<a href="https:\/\/app\.example\.com\/terms\?v=2&amp;x=1" target="_blank" rel="noopener noreferrer">Terms of service of Test App<\/a>/,
      );
      assert.match(
        page.html,
        /<a href="https:\/\/app\.example\.com\/privacy" target="_blank" rel="noopener noreferrer">Privacy policy of Test App<\/a>/,
      );
      const german = await consentFor(
        server,
        {
          client_name: 'Test App',
          tos_uri: 'https://app.example.com/agb',
          policy_uri: 'https://app.example.com/ds',
        },
        'de',
      );
      assert.match(german.html, />Nutzungsbedingungen von Test App<\/a>/);
      assert.match(german.html, />Datenschutzerklärung von Test App<\/a>/);
    });

    test('without tos_uri and policy_uri there are no app links', async () => {
      const page = await consentFor(server, { client_name: 'Test App' });
      assert.doesNotMatch(page.html, /Terms of service of|Privacy policy of/);
      assert.doesNotMatch(page.html, /class="client-links"/);
    });
  });

  describe(`the consent page of a server with an https branding logo [${kind}]`, () => {
    let server: RunningMxauth;
    before(async () => {
      server = await startMxauth(kind, { branding: { logo_uri: 'https://cdn.example.org/brand.svg' } });
      assert.ok((await server.mxauth.users.register({ localpart: 'someone', password: PASSWORD })).ok);
    });
    after(() => server.close());

    test("img-src keeps the branding logo's origin beside the app's", async () => {
      const page = await consentFor(server, {
        client_name: 'Test App',
        logo_uri: 'https://app.example.com/l.png',
      });
      assert.match(page.html, /<img src="https:\/\/cdn\.example\.org\/brand\.svg" alt="">/);
      assert.equal(imgSrc(page), "img-src 'self' data: https://cdn.example.org https://app.example.com");
    });
  });
}
