import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { createLogger } from '../../src/observability/logger.js';
import { createMxauth } from '../../src/server.js';
import { cli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const LAYOUT = `<!doctype html>
<html lang="{{ lang }}" dir="{{dir}}">
<head>{{head}}<title>{{title}}</title></head>
<body>
<div class="admin-banner"><img src="{{assets}}brand/banner.png" alt="">{{brand}}{{language_switch}}</div>
{{content}}
<p class="admin-footer">Operated by {{service_name}}</p>
{{footer}}
</body>
</html>
`;

/** An override directory holding `files` (paths relative to it), in a fresh temporary directory. */
function overrideDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mxauth-overrides-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const get = (server: RunningMxauth, path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.base}${path}`, { redirect: 'manual', headers });

for (const kind of DATABASE_KINDS) {
  describe(`override directory [${kind}]`, () => {
    const dirs: string[] = [];
    let server: RunningMxauth;

    before(async () => {
      const dir = overrideDir({
        'custom.css': '.card{border-width:3px}',
        'layout.html': LAYOUT,
        'banner.png': 'png bytes',
        'messages/fr.json': JSON.stringify({
          'language.name': 'Français',
          'device.title': 'Connecter un appareil',
          'error.code': 'Code d’erreur : {code}',
        }),
        'messages/de.json': JSON.stringify({ 'device.title': 'Gerät koppeln' }),
        'messages/ar.json': JSON.stringify({ 'device.title': 'ربط جهاز' }),
        'messages/en.json': JSON.stringify({ 'device.submit': 'Next' }),
      });
      dirs.push(dir);
      server = await startMxauth(kind, {
        branding: { service_name: 'Chat & Co' },
        templates: { path: dir },
      });
    });
    after(async () => {
      await server.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    test('custom.css is served and linked after the built-in stylesheets', async () => {
      const css = await get(server, 'assets/custom.css');
      assert.equal(css.status, 200);
      assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
      assert.equal(await css.text(), '.card{border-width:3px}');
      const page = await (await get(server, 'link')).text();
      assert.match(
        page,
        /href="\/assets\/mxauth\.css">\n<link rel="stylesheet" href="\/assets\/theme\.css">\n<link rel="stylesheet" href="\/assets\/custom\.css">/,
      );
      const plain = await startMxauth(kind);
      try {
        assert.equal((await get(plain, 'assets/custom.css')).status, 404);
        assert.doesNotMatch(await (await get(plain, 'link')).text(), /custom\.css/);
      } finally {
        await plain.close();
      }
    });

    test('layout.html frames every page, its placeholders filled in and escaped', async () => {
      const page = await (await get(server, 'link')).text();
      assert.match(page, /^<!doctype html>\n<html lang="en" dir="ltr">/);
      assert.match(page, /<title>Connect a device · Chat &amp; Co<\/title><\/head>/);
      assert.match(
        page,
        /<div class="admin-banner"><img src="\/assets\/brand\/banner\.png" alt=""><div class="brand"><span>Chat &amp; Co<\/span><\/div><nav class="languages"/,
      );
      assert.match(page, /<main id="main" tabindex="-1"><div class="card">\n<h1>Connect a device<\/h1>/);
      assert.match(page, /<p class="admin-footer">Operated by Chat &amp; Co<\/p>/);
      assert.doesNotMatch(page, /\{\{|<a class="skip"/, 'every placeholder filled; no built-in header');
      assert.equal((await get(server, 'assets/brand/banner.png')).status, 200);
      const error = await (await get(server, 'authorize?client_id=nobody&response_type=code')).text();
      assert.match(error, /<div class="admin-banner">[\s\S]*<h1>This sign-in cannot continue<\/h1>/);
    });

    test('messages/fr.json adds French, English filling its gaps; other catalogs can be reworded', async () => {
      const french = await (await get(server, 'link', { 'accept-language': 'fr-CA, en;q=0.5' })).text();
      assert.match(french, /<html lang="fr"/);
      assert.match(french, /<h1>Connecter un appareil<\/h1>/);
      assert.match(
        french,
        /<button type="submit">Next<\/button>/,
        "a missing key falls back to the admin's English",
      );
      assert.match(french, /hreflang="fr" lang="fr" aria-current="true">Français<\/a>/);

      const switched = await get(server, 'link?lang=fr');
      assert.equal(switched.status, 303);
      assert.match(switched.headers.getSetCookie().join(), /mxauth-lang=fr/);

      const error = await (
        await get(server, 'authorize?client_id=nobody&response_type=code', { cookie: 'mxauth-lang=fr' })
      ).text();
      assert.match(error, /Code d’erreur : invalid_client/);

      const arabic = await (await get(server, 'link', { 'accept-language': 'ar' })).text();
      assert.match(arabic, /<html lang="ar" dir="rtl">/, 'a right-to-left language turns the page');
      assert.match(
        arabic,
        /lang="ar" aria-current="true">العربية<\/a>/,
        'named in itself when the catalog does not say',
      );

      const german = await (await get(server, 'link', { 'accept-language': 'de' })).text();
      assert.match(german, /<h1>Gerät koppeln<\/h1>/);
      assert.match(german, /<button type="submit">Weiter<\/button>/, 'German keeps its own strings');
    });

    const startWith = async (files: Record<string, string>) => {
      const dir = overrideDir(files);
      dirs.push(dir);
      const mxauth = createMxauth(testConfig({ templates: { path: dir } }), {
        logger: createLogger('silent'),
      });
      try {
        await mxauth.start();
      } finally {
        await mxauth.close();
      }
      return dir;
    };

    test('a broken override directory stops the start, naming the file and the fault', async () => {
      await assert.rejects(
        startWith({ 'messages/fr.json': '{"device.title": "Connecter",}' }),
        (e: Error) => {
          assert.match(e.message, /templates\.path: \/.*\/messages\/fr\.json: invalid JSON/);
          return true;
        },
      );
      await assert.rejects(
        startWith({ 'layout.html': '{{head}}<title>{{title}}</title>\n{{content}}\n{{sidebar}}' }),
        (e: Error) => {
          assert.match(
            e.message,
            /layout\.html: line 3: unknown placeholder \{\{sidebar\}\}; known: \{\{lang\}\}/,
          );
          return true;
        },
      );
      await assert.rejects(
        startWith({ 'layout.html': '<title>{{title}}</title>{{head}}' }),
        /\{\{content\}\} is missing/,
      );
      await assert.rejects(
        startWith({ 'messages/fr.json': '{"login.titel": "Connexion"}' }),
        /messages\/fr\.json: unknown message key "login\.titel"/,
      );
      await assert.rejects(
        startWith({ 'messages/fr.json': '{"error.code": "Code : {error}"}' }),
        /"error\.code" uses \{error\}, which this message does not have \(it has \{code\}\)/,
      );
      await assert.rejects(
        startWith({ 'messages/french.json': '{}' }),
        /name a catalog after its language tag/,
      );
      await assert.rejects(startWith({ 'messages/fr.json': '["Connexion"]' }), /must be a JSON object/);
      // The same files, correct, start.
      await startWith({ 'messages/fr.json': '{"device.title": "Connecter"}', 'layout.html': LAYOUT });
    });
  });
}

describe('configuration check of the branding', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mxauth-branding-check-'));
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const check = async (branding: object, templates: object = {}) => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify(testConfig({ branding, templates })));
    return cli(['config', 'check', '--config', file]);
  };

  test('refuses a primary colour white text is unreadable on, naming the key and the ratio', async () => {
    const result = await check({ colors: { primary: '#4a90e2' } });
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /branding\.colors\.primary: #4a90e2 has a contrast of 3\.2:1 with white .*WCAG AA needs at least 4\.5:1/,
    );
    assert.equal((await check({ colors: { primary: '#2a6bb8' } })).code, 0, 'a darker blue passes');
  });

  test('a logo file must be an image in templates.path; links must be web or mail links', async () => {
    assert.equal((await check({ logo_uri: 'logo.svg' }, { path: 'templates' })).code, 0);
    const missing = await check({ logo_uri: 'logo.png' }, { path: 'templates' });
    assert.match(missing.stderr, /branding\.logo_uri: cannot read \/.*\/templates\/logo\.png: no such file/);
    const noDir = await check({ logo_uri: 'logo.svg' });
    assert.match(
      noDir.stderr,
      /branding\.logo_uri: names a file \(logo\.svg\), so templates\.path must be set/,
    );
    const traversal = await check({ logo_uri: '../config.yaml' }, { path: 'templates' });
    assert.match(
      traversal.stderr,
      /branding\.logo_uri: "\.\.\/config\.yaml" must be the name of an image file/,
    );
    const http = await check({ logo_uri: 'http://example.org/logo.png' });
    assert.match(http.stderr, /branding\.logo_uri: must be an https URL/);
    const script = await check({
      footer_links: [{ text: 'Hi', uri: 'javascript:alert(1)' }],
      policy_uri: 'data:text/html,hi',
    });
    assert.match(script.stderr, /branding\.footer_links\.0\.uri: must be an https, http or mailto link/);
    assert.match(script.stderr, /branding\.policy_uri: must be an https, http or mailto link/);
    const notDir = await check({}, { path: 'config.yaml' });
    assert.match(notDir.stderr, /templates\.path: \/.*config\.yaml is not a directory/);
  });

  test('a broken override file fails the check as it would fail the start', async () => {
    mkdirSync(join(dir, 'templates', 'messages'), { recursive: true });
    writeFileSync(join(dir, 'templates', 'messages', 'fr.json'), '{"login.titel": "Connexion"}');
    try {
      const result = await check({}, { path: 'templates' });
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /templates\.path: .*messages\/fr\.json: unknown message key "login\.titel"/,
      );
    } finally {
      rmSync(join(dir, 'templates', 'messages'), { recursive: true, force: true });
    }
  });
});
