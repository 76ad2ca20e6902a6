import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import { newBrowser } from '../helpers/browser.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { introspect, type RunningMxauth, registerClient } from '../helpers/oauth-server.js';
import { authorize, clientAt, heading, lastCode, PASSWORD, redeem, startOn } from './helpers.js';

const TERMS_V1 = 'https://example.test/terms/2025';
const TERMS_V2 = 'https://example.test/terms/2026';

const withTerms = (uri: string) => ({
  account: { password_registration_enabled: true, password_registration_email_required: true },
  branding: { tos_uri: uri },
});

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );

describe('the engine behind one facade', () => {
  test('no page reads or finishes an interaction or builds a grant itself: oauth/interactions.ts does', () => {
    const offending = sources('src/web').filter((file) =>
      /interactionFinished|interactionDetails|engine\.Grant/.test(readFileSync(file, 'utf8')),
    );
    assert.deepEqual(offending, []);
  });

  test('the interaction pages use no engine method at all', () => {
    const files = [
      ...sources('src/web/interaction'),
      'src/web/interaction-kit.ts',
      'src/web/registration.ts',
    ];
    const offending = files.filter((file) => /\bengine\.\w/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offending, []);
  });
});

for (const kind of DATABASE_KINDS) {
  describe(`every sign-in completes the same way [${kind}]`, () => {
    let database: TestDatabase;
    let server: RunningMxauth;
    let client: oidc.Configuration;

    before(async () => {
      database = await createTestDatabase(kind);
      server = await startOn(database, withTerms(TERMS_V1));
      client = await registerClient(server);
      const registered = await server.mxauth.users.register({ localpart: 'walker', password: PASSWORD });
      assert.ok(registered.ok);
      const walker = await server.mxauth.services.storage.users.findByLocalpart('walker');
      await server.mxauth.services.storage.terms.accept(walker!.id, TERMS_V1);
    });
    after(async () => {
      await server.close();
      await database.drop();
    });

    test('a password and a new account both owe the terms changed meanwhile, and both then sign in', async () => {
      // A registration waits for its emailed code under the first terms…
      const registering = newBrowser(server.base);
      const { page: form, verifier: newcomerVerifier } = await authorize(registering, client, {
        prompt: 'create',
      });
      const codePage = await registering.submit(form, {
        username: 'newcomer',
        email: 'newcomer@example.org',
        password: PASSWORD,
        password_confirm: PASSWORD,
        accept_terms: 'yes',
      });
      assert.equal(heading(codePage), 'Confirm your email address', codePage.html);
      const uid = /\/interaction\/([^/]+)\/register\/verify/.exec(codePage.html)![1]!;
      const code = await lastCode(server, 'newcomer@example.org');

      // …while the deployment publishes new ones.
      await server.close();
      server = await startOn(database, withTerms(TERMS_V2));
      client = await clientAt(server, client);

      const password = newBrowser(server.base);
      const started = await authorize(password, client);
      let page = await password.submit(started.page, { username: 'walker', password: PASSWORD });
      assert.equal(heading(page), 'Terms of service', 'the password sign-in waits for the terms');
      page = await password.submit(page, { decision: 'accept', accept_terms: 'yes' });
      assert.equal(heading(page), 'Allow access?');
      let tokens = await redeem(client, await password.submit(page, { decision: 'allow' }), started.verifier);
      assert.equal((await introspect(server, tokens.access_token)).username, 'walker');

      const carried = newBrowser(server.base);
      for (const [name, value] of registering.cookies) carried.cookies.set(name, value);
      page = await carried.get(`/interaction/${uid}/register/verify`);
      assert.equal(heading(page), 'Confirm your email address', page.html);
      page = await carried.submit(page, { code });
      assert.equal(heading(page), 'Terms of service', 'the new account waits for the new terms too');
      assert.ok(
        await server.mxauth.services.storage.users.findByLocalpart('newcomer'),
        'the account exists, not yet signed in',
      );
      page = await carried.submit(page, { decision: 'accept', accept_terms: 'yes' });
      // The engine resumes at the instance the authorization began on; the same path on this one.
      const resume = new URL(page.url);
      assert.match(resume.pathname, /^\/authorize\//, 'handed back to the engine');
      page = await carried.get(`${resume.pathname}${resume.search}`);
      assert.equal(heading(page), 'Allow access?', page.html);
      assert.equal(carried.cookies.get('mxauth-terms') ?? '', '', 'the held sign-in is released');
      tokens = await redeem(client, await carried.submit(page, { decision: 'allow' }), newcomerVerifier);
      assert.equal((await introspect(server, tokens.access_token)).username, 'newcomer');
    });
  });
}
