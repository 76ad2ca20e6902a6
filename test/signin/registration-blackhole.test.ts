import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import { MAIL_QUEUE } from '../../src/services/messages.js';
import { FormBrowser, newBrowser, type Page } from '../helpers/browser.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { introspect, type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';
import { authorize, heading, PASSWORD, redeem, startOn } from './helpers.js';

/** Any sentence that says (en, de) a mail or code was sent, or is on its way. */
const CLAIMS_A_MAIL = /\bsent\b|on its way|send a new code|\barrive|geschickt|unterwegs|neuen code/i;

/** What a person reads of a page: its text, without the markup. */
const text = (page: Page): string => page.html.replace(/<[^>]*>/g, ' ');

/** Every mail mxauth queued, to anyone. */
async function queuedMails(server: RunningMxauth): Promise<number> {
  const jobs = await server.mxauth.services.storage.jobs.list({
    states: ['pending', 'running', 'done', 'failed'],
    limit: 10_000,
  });
  return jobs.filter((job) => job.queue === MAIL_QUEUE).length;
}

/** `page`'s first form, posted to its interaction's `step` instead (a hand-made request). */
const postedTo = (page: Page, step: string): Page => ({
  ...page,
  html: page.html.replace(/action="([^"]*)\/login"/, `action="$1/${step}"`),
});

for (const kind of DATABASE_KINDS) {
  describe(`registration under email.transport blackhole, address required [${kind}]`, () => {
    let server: RunningMxauth;
    let client: oidc.Configuration;

    before(async () => {
      server = await startMxauth(kind, {
        email: { transport: 'blackhole' },
        account: { password_registration_enabled: true, password_registration_email_required: true },
      });
      client = await registerClient(server);
    });
    after(() => server.close());

    test('the page says no account can be made here and whom to ask, before any form, in both languages', async () => {
      const { page } = await authorize(newBrowser(server.base), client, { prompt: 'create' });
      assert.equal(page.status, 503);
      assert.equal(heading(page), 'Registration is not available');
      assert.match(page.html, /example\.test does not send email, so no account can be created here/);
      assert.match(page.html, /contact the administrators of example\.test/);
      assert.doesNotMatch(page.html, /name="password"/, 'no form to fill in for nothing');
      assert.doesNotMatch(text(page), CLAIMS_A_MAIL);
      assert.match(page.html, /<a href="[^"]*\/login">I already have an account<\/a>/);

      const german = await authorize(newBrowser(server.base, { 'accept-language': 'de' }), client, {
        prompt: 'create',
      });
      assert.equal(heading(german.page), 'Registrierung nicht möglich');
      assert.match(german.page.html, /example\.test verschickt keine E-Mails/);
      assert.doesNotMatch(text(german.page), CLAIMS_A_MAIL);
    });

    test('details posted anyway create nothing and send nothing', async () => {
      const browser = newBrowser(server.base);
      const { page: login } = await authorize(browser, client);
      const page = await browser.submit(postedTo(login, 'register'), {
        username: 'hopeful',
        email: 'hopeful@example.org',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.equal(page.status, 503);
      assert.equal(heading(page), 'Registration is not available');
      assert.doesNotMatch(text(page), CLAIMS_A_MAIL);
      assert.equal(browser.cookies.has('mxauth-registration'), false, 'no registration waits for a code');
      const resent = await browser.submit(postedTo(login, 'register/resend'), {});
      assert.doesNotMatch(text(resent), CLAIMS_A_MAIL);
      assert.equal(await server.mxauth.services.storage.users.findByLocalpart('hopeful'), undefined);
      assert.equal(await queuedMails(server), 0, 'no mail was even queued');
    });
  });

  describe(`registration under email.transport blackhole, address optional [${kind}]`, () => {
    let server: RunningMxauth;
    let client: oidc.Configuration;

    before(async () => {
      server = await startMxauth(kind, {
        email: { transport: 'blackhole' },
        account: { password_registration_enabled: true, password_registration_email_required: false },
      });
      client = await registerClient(server);
    });
    after(() => server.close());

    test('no address is asked for, no code: the account is made at once, without an address', async () => {
      const browser = newBrowser(server.base);
      const { page: form, verifier } = await authorize(browser, client, { prompt: 'create' });
      assert.equal(heading(form), 'Create an account');
      assert.doesNotMatch(form.html, /name="email"/, 'no address field');
      assert.doesNotMatch(text(form), CLAIMS_A_MAIL);
      // An address sent anyway (an old form, a hand-made request) is not used: it could not be confirmed.
      let page = await browser.submit(form, {
        username: 'nomail',
        email: 'nomail@example.org',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.equal(heading(page), 'Allow access?', page.html);
      assert.doesNotMatch(text(page), CLAIMS_A_MAIL);
      page = await browser.submit(page, { decision: 'allow' });
      const tokens = await redeem(client, page, verifier);
      assert.equal((await introspect(server, tokens.access_token)).username, 'nomail');

      const { storage } = server.mxauth.services;
      const user = await storage.users.findByLocalpart('nomail');
      assert.ok(user);
      assert.deepEqual(await storage.emails.listForUser(user.id), [], 'no unconfirmed address kept');
      assert.equal(await queuedMails(server), 0);
    });
  });

  describe(`registration with a transport that delivers (the check above, seen to catch a claim) [${kind}]`, () => {
    let server: RunningMxauth;
    before(async () => {
      server = await startMxauth(kind, { email: { transport: 'log' } });
    });
    after(() => server.close());

    test('the code page says a code was sent, and a new one is on its way', async () => {
      const browser = newBrowser(server.base);
      const { page: form } = await authorize(browser, await registerClient(server), { prompt: 'create' });
      const codePage = await browser.submit(form, {
        username: 'mailed',
        email: 'mailed@example.org',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.equal(heading(codePage), 'Confirm your email address');
      assert.match(text(codePage), CLAIMS_A_MAIL);
      assert.match(text(await browser.submit(codePage, {}, 'resend')), /A new code is on its way/);
      assert.equal(await queuedMails(server), 2);
    });
  });

  describe(`a registration waiting for its code when the server restarts into blackhole [${kind}]`, () => {
    let database: TestDatabase;
    after(() => database?.drop());

    test('its code page is not shown again, and no new code is sent', async () => {
      database = await createTestDatabase(kind);
      const before = await startOn(database);
      const browser = newBrowser(before.base);
      const { page: form } = await authorize(browser, await registerClient(before), { prompt: 'create' });
      const codePage = await browser.submit(form, {
        username: 'waiting',
        email: 'waiting@example.org',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.equal(heading(codePage), 'Confirm your email address');
      await before.close();

      const server = await startOn(database, { email: { transport: 'blackhole' } });
      try {
        // The same browser, its cookies and its interaction, at the restarted server.
        const again = new FormBrowser(server.base, browser.headers);
        for (const [name, value] of browser.cookies) again.cookies.set(name, value);
        const moved = { ...codePage, url: new URL(new URL(codePage.url).pathname, server.base).href };
        const shown = await again.get(moved.url);
        assert.equal(heading(shown), 'Registration is not available', shown.html);
        assert.doesNotMatch(text(shown), CLAIMS_A_MAIL);
        const resent = await again.submit(moved, {}, 'resend');
        assert.doesNotMatch(text(resent), CLAIMS_A_MAIL);
        assert.equal(await queuedMails(server), 1, 'only the code sent before the restart');
      } finally {
        await server.close();
      }
    });
  });
}
