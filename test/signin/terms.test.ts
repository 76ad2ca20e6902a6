import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import { type FormBrowser, newBrowser } from '../helpers/browser.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { introspect, type RunningMxauth, registerClient } from '../helpers/oauth-server.js';
import { authorize, clientAt, heading, PASSWORD, redeem, startOn } from './helpers.js';

const TERMS_V1 = 'https://example.test/terms/2025';
const TERMS_V2 = 'https://example.test/terms/2026';

const withTerms = (uri: string) => ({
  account: { password_registration_enabled: true, password_registration_email_required: false },
  branding: { tos_uri: uri },
});

for (const kind of DATABASE_KINDS) {
  describe(`terms of service [${kind}]`, () => {
    let database: TestDatabase;
    let server: RunningMxauth;
    let client: oidc.Configuration;
    /** Signed in (remembered) under the first terms, to come back after they change. */
    let remembered: FormBrowser;

    before(async () => {
      database = await createTestDatabase(kind);
      server = await startOn(database, withTerms(TERMS_V1));
      client = await registerClient(server);
      assert.ok((await server.mxauth.users.register({ localpart: 'sleeper', password: PASSWORD })).ok);
      const sleeper = await server.mxauth.services.storage.users.findByLocalpart('sleeper');
      await server.mxauth.services.storage.terms.accept(sleeper!.id, TERMS_V1);
    });
    after(async () => {
      await server.close();
      await database.drop();
    });

    const accepted = async (localpart: string) => {
      const { database: db, storage } = server.mxauth.services;
      const user = await storage.users.findByLocalpart(localpart);
      const rows = await db.db
        .selectFrom('user_terms')
        .select(['uri', 'accepted_at'])
        .where('user_id', '=', user!.id)
        .orderBy('accepted_at')
        .execute();
      return rows.map((r) => ({ uri: r.uri, at: Number(r.accepted_at) }));
    };

    const signIn = async (browser: FormBrowser, username: string) => {
      const started = await authorize(browser, client);
      assert.equal(heading(started.page), 'Sign in');
      const page = await browser.submit(started.page, { username, password: PASSWORD });
      return { page, verifier: started.verifier };
    };

    test('registration refuses without the checkbox, and records the URL and time with it', async () => {
      const browser = newBrowser(server.base);
      const { page: form, verifier } = await authorize(browser, client, { prompt: 'create' });
      assert.match(
        form.html,
        /<input type="checkbox" id="accept_terms" name="accept_terms" value="yes" required/,
      );
      assert.ok(form.html.includes(`href="${TERMS_V1}"`), 'the terms are linked');
      const fields = { username: 'reader', password: PASSWORD, password_confirm: PASSWORD };
      let page = await browser.submit(form, fields);
      assert.equal(page.status, 400);
      assert.match(page.html, /Accept the terms of service to continue/);
      assert.equal(await server.mxauth.services.storage.users.findByLocalpart('reader'), undefined);

      page = await browser.submit(form, { ...fields, accept_terms: 'yes' });
      assert.equal(heading(page), 'Allow access?', page.html);
      const rows = await accepted('reader');
      assert.deepEqual(
        rows.map((r) => r.uri),
        [TERMS_V1],
      );
      assert.equal(rows[0]!.at, server.clock.now().getTime(), "with the time (mxauth's clock stands still)");
      page = await browser.submit(page, { decision: 'allow' });
      await redeem(client, page, verifier);
    });

    test('accepted terms do not ask again at sign-in', async () => {
      remembered = newBrowser(server.base);
      const { page, verifier } = await signIn(remembered, 'sleeper');
      assert.equal(heading(page), 'Allow access?');
      await redeem(client, await remembered.submit(page, { decision: 'allow' }), verifier);
    });

    test('a terms form without a proven password or a session leads back to sign-in', async () => {
      const browser = newBrowser(server.base);
      const { page } = await authorize(browser, client);
      const uid = /\/interaction\/([^/]+)\/login/.exec(page.html)![1]!;
      const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
      const forged = await browser.submit(
        {
          ...page,
          html: `<form action="/interaction/${uid}/terms"><input type="hidden" name="csrf" value="${csrf}"></form>`,
        },
        { accept_terms: 'yes', decision: 'accept' },
      );
      assert.equal(heading(forged), 'Sign in');
    });

    test('after tos_uri changes, the next sign-in asks again, and continues only once accepted', async () => {
      await server.close();
      server = await startOn(database, withTerms(TERMS_V2));
      client = await clientAt(server, client);

      const declining = newBrowser(server.base);
      let { page } = await signIn(declining, 'reader');
      assert.equal(page.status, 200);
      assert.equal(heading(page), 'Terms of service');
      assert.ok(page.html.includes(`href="${TERMS_V2}"`));
      page = await declining.submit(page, { decision: 'accept' });
      assert.equal(page.status, 400, 'the checkbox is required');
      assert.match(page.html, /Accept the terms of service to continue/);
      page = await declining.submit(page, { decision: 'cancel' });
      assert.ok(page.external);
      assert.equal(new URL(page.url).searchParams.get('error'), 'access_denied');
      assert.deepEqual(
        (await accepted('reader')).map((r) => r.uri),
        [TERMS_V1],
      );

      const browser = newBrowser(server.base);
      const signedIn = await signIn(browser, 'reader');
      page = await browser.submit(signedIn.page, { decision: 'accept', accept_terms: 'yes' });
      assert.equal(heading(page), 'Allow access?');
      page = await browser.submit(page, { decision: 'allow' });
      const tokens = await redeem(client, page, signedIn.verifier);
      assert.equal((await introspect(server, tokens.access_token)).username, 'reader');
      assert.deepEqual(
        (await accepted('reader')).map((r) => r.uri),
        [TERMS_V1, TERMS_V2],
      );

      const again = await signIn(newBrowser(server.base), 'reader');
      assert.equal(heading(again.page), 'Allow access?', 'accepted once is enough');
    });

    test('a browser still signed in from before the change is asked too, and cannot consent around it', async () => {
      // This browser signed in as sleeper under the first terms; its session outlived the change (the
      // instance moved to another port, so the browser is pointed at it, with its cookies).
      const browser = newBrowser(server.base);
      for (const [name, value] of remembered.cookies) browser.cookies.set(name, value);
      const { page: first, verifier } = await authorize(browser, client);
      assert.equal(heading(first), 'Terms of service', 'asked before consent, without a password');
      const uid = /\/interaction\/([^/]+)\/terms/.exec(first.html)![1]!;
      let page = await browser.submit(
        { ...first, html: first.html.replace(`/interaction/${uid}/terms`, `/interaction/${uid}/consent`) },
        { decision: 'allow' },
      );
      assert.equal(heading(page), 'Terms of service', 'a consent post is no way around them');
      page = await browser.submit(first, { decision: 'accept', accept_terms: 'yes' });
      assert.equal(heading(page), 'Allow access?');
      page = await browser.submit(page, { decision: 'allow' });
      const tokens = await redeem(client, page, verifier);
      assert.equal((await introspect(server, tokens.access_token)).username, 'sleeper');
      assert.deepEqual(
        (await accepted('sleeper')).map((r) => r.uri),
        [TERMS_V1, TERMS_V2],
      );
    });
  });
}
