import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SCRIPT } from '../../src/web/script.js';
import { STYLESHEET } from '../../src/web/style.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

// Any bytes do: the file is served as it is, never decoded.
const LOGO = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

const get = (server: RunningMxauth, path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.base}${path}`, { redirect: 'manual', headers });

for (const kind of DATABASE_KINDS) {
  describe(`branding [${kind}]`, () => {
    let dir: string;
    let branded: RunningMxauth;
    let plain: RunningMxauth;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mxauth-branding-'));
      const templates = join(dir, 'templates');
      mkdirSync(templates);
      writeFileSync(join(templates, 'logo.png'), LOGO);
      writeFileSync(join(templates, 'notes.txt'), 'not an image');
      writeFileSync(join(templates, '.hidden.png'), LOGO);
      writeFileSync(join(dir, 'secret.png'), 'outside the directory');
      branded = await startMxauth(kind, {
        branding: {
          service_name: 'Example <Chat>',
          logo_uri: 'logo.png',
          colors: { primary: '#6b2fa3', background: '#102030' },
          footer_links: [{ text: 'Imprint', uri: 'https://example.org/imprint?a=1&b=2' }],
          policy_uri: 'https://example.org/privacy',
          tos_uri: 'https://example.org/terms',
          imprint: 'Example e.V., Musterstraße 1',
        },
        templates: { path: templates },
      });
      plain = await startMxauth(kind);
    });
    after(async () => {
      await branded.close();
      await plain.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the service name heads every page and its title; the server name when none is set', async () => {
      const page = await (await get(branded, 'link')).text();
      assert.match(page, /<title>Connect a device · Example &lt;Chat&gt;<\/title>/);
      assert.match(
        page,
        /<header class="site"><div class="brand"><img src="\/assets\/brand\/logo\.png" alt=""><span>Example &lt;Chat&gt;<\/span><\/div>/,
      );
      const error = await (await get(branded, 'authorize?client_id=nobody&response_type=code')).text();
      assert.match(error, /<title>This sign-in cannot continue · Example &lt;Chat&gt;<\/title>/);

      const plainPage = await (await get(plain, 'link')).text();
      assert.match(plainPage, /<title>Connect a device · example\.test<\/title>/);
      assert.match(plainPage, /<div class="brand"><span>example\.test<\/span><\/div>/);
      assert.doesNotMatch(plainPage, /<img/);
    });

    test('the logo is served from the override directory with a safe type and cache headers', async () => {
      const response = await get(branded, 'assets/brand/logo.png');
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'image/png');
      assert.match(response.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.match(response.headers.get('content-security-policy') ?? '', /sandbox/);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), LOGO);
      const etag = response.headers.get('etag')!;
      assert.ok(etag);
      assert.equal((await get(branded, 'assets/brand/logo.png', { 'if-none-match': etag })).status, 304);
    });

    test('nothing else of the file system can be reached through the logo route', async () => {
      for (const path of [
        'assets/brand/notes.txt',
        'assets/brand/.hidden.png',
        'assets/brand/..%2Fsecret.png',
        'assets/brand/%2e%2e%2fsecret.png',
        'assets/brand/..%5Csecret.png',
        'assets/brand/%2Fetc%2Fpasswd',
        'assets/brand/',
        'assets/brand/logo.png%00.txt',
      ]) {
        const response = await get(branded, path);
        assert.equal(response.status, 404, path);
        assert.doesNotMatch(await response.text(), /outside the directory|not an image|root:/, path);
      }
      assert.equal((await get(plain, 'assets/brand/logo.png')).status, 404, 'no directory, no images');
    });

    test('an https logo is linked as it is', async () => {
      const remote = await startMxauth(kind, { branding: { logo_uri: 'https://cdn.example.org/logo.svg' } });
      try {
        assert.match(
          await (await get(remote, 'link')).text(),
          /<img src="https:\/\/cdn\.example\.org\/logo\.svg" alt="">/,
        );
      } finally {
        await remote.close();
      }
    });

    test('theme.css carries the branding colours, with a dark-scheme shade derived from them', async () => {
      const response = await get(branded, 'assets/theme.css');
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/css; charset=utf-8');
      const css = await response.text();
      const [light, dark] = css.split('@media (prefers-color-scheme:dark)') as [string, string];
      assert.match(light, /--accent:#6b2fa3;/);
      assert.match(light, /--bg:#102030;/);
      assert.match(light, /--on-bg:#ffffff;/, 'light text on the dark background');
      assert.doesNotMatch(dark, /--accent:#6b2fa3;/, 'the dark scheme gets a lighter shade');
      assert.match(dark, /--accent:#[0-9a-f]{6};/);
      assert.match(dark, /--bg:#0f1115;/, 'the dark scheme keeps its own background');
      const etag = response.headers.get('etag')!;
      assert.equal((await get(branded, 'assets/theme.css', { 'if-none-match': `W/${etag}` })).status, 304);

      const plainCss = await (await get(plain, 'assets/theme.css')).text();
      assert.doesNotMatch(plainCss, /--/, 'no branding, no overrides of the built-in colours');
      const page = await (await get(branded, 'link')).text();
      assert.match(
        page,
        /<link rel="stylesheet" href="\/assets\/mxauth\.css">\n<link rel="stylesheet" href="\/assets\/theme\.css">/,
      );
    });

    test('the footer links the configured pages and shows the imprint', async () => {
      const page = await (await get(branded, 'link', { 'accept-language': 'de' })).text();
      const footer = /<footer class="site">([\s\S]*?)<\/footer>/.exec(page)?.[1] ?? '';
      assert.match(footer, /<a href="https:\/\/example\.org\/imprint\?a=1&amp;b=2">Imprint<\/a>/);
      assert.match(footer, /<a href="https:\/\/example\.org\/privacy">Datenschutzerklärung<\/a>/);
      assert.match(footer, /<a href="https:\/\/example\.org\/terms">Nutzungsbedingungen<\/a>/);
      assert.match(footer, /<p>Example e\.V\., Musterstraße 1<\/p>/);
      const plainFooter = /<footer class="site">([\s\S]*?)<\/footer>/.exec(
        await (await get(plain, 'link')).text(),
      )?.[1];
      assert.doesNotMatch(plainFooter ?? '', /<a /);
    });

    test('the stylesheet and the script are served with validators', async () => {
      for (const [path, type, body] of [
        ['assets/mxauth.css', 'text/css; charset=utf-8', STYLESHEET],
        ['assets/mxauth.js', 'text/javascript; charset=utf-8', SCRIPT],
      ] as const) {
        const response = await get(plain, path);
        assert.equal(response.status, 200, path);
        assert.equal(response.headers.get('content-type'), type);
        assert.equal(await response.text(), body);
        const etag = response.headers.get('etag')!;
        assert.equal((await get(plain, path, { 'if-none-match': etag })).status, 304, path);
        assert.equal((await get(plain, path, { 'if-none-match': '"stale"' })).status, 200, path);
      }
    });
  });
}
