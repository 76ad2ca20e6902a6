import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import type { Clock } from '../../src/domain/clock.js';
import type { MessageRequest } from '../../src/services/messages.js';
import { type FormBrowser, newBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { introspect, type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';
import { authorize, captureLogs, heading, mailsTo, PASSWORD, redeem } from './helpers.js';

const NEW_PASSWORD = 'purple elephant juggles seven lanterns';

/** Real time plus an offset the test moves forward, so links can expire without waiting an hour. */
class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`password recovery [${kind}]`, () => {
    let server: RunningMxauth;
    let client: oidc.Configuration;
    const clock = new ShiftedClock();
    const logs = captureLogs();
    /** Every recovery link handed out, to check none reached the log. */
    const links: string[] = [];

    before(async () => {
      server = await startMxauth(
        kind,
        {
          account: { password_recovery_enabled: true, password_registration_enabled: true },
          // Not the tests' default `log` transport, which writes every mail (links included) on purpose.
          email: { transport: 'blackhole' },
        },
        { mxauth: { clock, logger: logs.logger } },
      );
      for (const localpart of ['alice', 'bob', 'carol', 'dave', 'erin'])
        assert.ok(
          (
            await server.mxauth.users.register({
              localpart,
              password: PASSWORD,
              email: `${localpart}@example.org`,
            })
          ).ok,
        );
      client = await registerClient(server);
    });
    after(() => server.close());

    /** Asks for a link for `email` in a fresh browser; returns the page everyone gets. */
    const ask = async (email: string, browser: FormBrowser = newBrowser(server.base)) => {
      const form = await browser.get(`${server.base}recover`);
      assert.equal(heading(form), 'Reset your password');
      return browser.submit(form, { email });
    };
    /** The recovery link mailed to `email` (waits for it: it is queued after the answer). */
    const link = async (email: string, count = 1): Promise<string> => {
      const mails = await eventually(`recovery link ${count} to ${email} is queued`, async () => {
        const found = (await mailsTo(server, email)).filter((m) => m.message.kind === 'recovery_link');
        return found.length >= count ? found : undefined;
      });
      const message = mails[count - 1]!.message as Extract<
        MessageRequest['message'],
        { kind: 'recovery_link' }
      >;
      links.push(message.url);
      return message.url;
    };
    /** Signs in through the pages as `localpart`; returns the client's tokens. */
    const signIn = async (localpart: string, password = PASSWORD) => {
      const browser = newBrowser(server.base);
      const { page, verifier } = await authorize(browser, client);
      let next = await browser.submit(page, { username: localpart, password });
      next = await browser.submit(next, { decision: 'allow' });
      return redeem(client, next, verifier);
    };
    const setPassword = (browser: FormBrowser, page: Page, fields: Record<string, string>) =>
      browser.submit(page, { password: NEW_PASSWORD, password_confirm: NEW_PASSWORD, ...fields });

    test('the sign-in page links to recovery', async () => {
      const { page } = await authorize(newBrowser(server.base), client);
      assert.match(page.html, /<a href="\/recover">Forgot your password\?<\/a>/);
    });

    test('known and unknown addresses get the same page; only the owner gets a mail', async () => {
      const normalise = (page: Page) =>
        page.html
          .replace(/name="csrf" value="[^"]*"/g, '')
          .replace(/(alice|nobody)@example\.org/gi, 'ADDRESS');
      const unknown = await ask('nobody@example.org');
      const known = await ask('Alice@Example.org');
      assert.equal(known.status, 200);
      assert.equal(unknown.status, known.status);
      assert.equal(heading(known), 'Check your email');
      assert.equal(normalise(unknown), normalise(known));
      const url = await link('alice@example.org');
      assert.match(url, new RegExp(`^${server.base}recover/[A-Za-z0-9]{32,}$`));
      assert.deepEqual(await mailsTo(server, 'nobody@example.org'), []);
      const tickets = await server.mxauth.services.database.db
        .selectFrom('recovery_tickets')
        .selectAll()
        .execute();
      assert.equal(tickets.length, 1);
      assert.doesNotMatch(
        JSON.stringify(tickets),
        new RegExp(url.split('/').at(-1)!),
        'only the hash is stored',
      );

      const bad = await ask('not an address');
      assert.equal(bad.status, 400);
      assert.match(bad.html, /This is not a valid email address/);
    });

    test('the link sets a new password once; the old one stops working; sessions stay unless asked', async () => {
      const before = await signIn('alice');
      const url = await link('alice@example.org');
      const browser = newBrowser(server.base);
      const form = await browser.get(url);
      let page = form;
      assert.equal(page.status, 200);
      assert.equal(heading(page), 'Choose a new password');
      assert.match(page.html, /@alice:example\.test/);
      assert.match(page.html, /<meter id="password-meter"/);
      assert.match(page.headers.get('content-security-policy') ?? '', /connect-src 'self'/);

      page = await setPassword(browser, page, { password_confirm: 'typo' });
      assert.equal(page.status, 400);
      assert.match(page.html, /The two passwords differ/);
      page = await setPassword(browser, page, { password: 'alice123', password_confirm: 'alice123' });
      assert.equal(page.status, 400);
      assert.match(page.html, /too weak/);
      page = await setPassword(browser, page, {});
      assert.equal(page.status, 200);
      assert.equal(heading(page), 'Password changed');
      assert.match(page.html, /href="\/account\/"/);

      assert.equal(
        (await server.mxauth.users.checkPassword('alice', PASSWORD)).ok,
        false,
        'the old password',
      );
      assert.equal((await server.mxauth.users.checkPassword('alice', NEW_PASSWORD)).ok, true);
      assert.equal((await introspect(server, before.access_token)).active, true, 'not asked to sign out');
      const told = await mailsTo(server, 'alice@example.org');
      assert.equal(told.at(-1)?.message.kind, 'password_changed');

      page = await browser.get(url);
      assert.equal(page.status, 410);
      assert.match(page.html, /This link was already used or has expired/);
      const reused = await setPassword(browser, form, { password: 'another fine password of mine' });
      assert.equal(reused.status, 410);
      assert.equal((await server.mxauth.users.checkPassword('alice', NEW_PASSWORD)).ok, true, 'unchanged');
      await signIn('alice', NEW_PASSWORD);
    });

    test('using one link kills the others sent before it', async () => {
      await ask('erin@example.org');
      const first = await link('erin@example.org', 1);
      await ask('erin@example.org');
      const second = await link('erin@example.org', 2);
      const browser = newBrowser(server.base);
      const done = await setPassword(browser, await browser.get(second), {});
      assert.equal(heading(done), 'Password changed');
      const stale = await browser.get(first);
      assert.equal(stale.status, 410, 'an older link cannot undo the new password');
      assert.match(stale.html, /This link was already used or has expired/);
    });

    test('"sign out of all my devices" ends every OAuth and compat session', async () => {
      const oauth = await signIn('bob');
      const user = await server.mxauth.services.storage.users.findByLocalpart('bob');
      const compat = await server.mxauth.services.compat.login({
        user: user!,
        refresh: false,
        origin: 'cli',
        isAdmin: false,
        ip: null,
        userAgent: null,
      });
      assert.ok(compat.ok);
      assert.equal((await introspect(server, oauth.access_token)).active, true);
      assert.equal((await introspect(server, compat.value.accessToken)).active, true);

      await ask('bob@example.org');
      const browser = newBrowser(server.base);
      const page = await setPassword(browser, await browser.get(await link('bob@example.org')), {
        end_sessions: 'yes',
      });
      assert.match(page.html, /all your devices are signed out/);
      assert.equal((await introspect(server, oauth.access_token)).active, false);
      assert.equal((await introspect(server, compat.value.accessToken)).active, false);
      const refreshed = await fetch(`${server.base}oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: oauth.refresh_token ?? '',
          client_id: client.clientMetadata().client_id,
        }),
      });
      assert.equal(refreshed.status, 400, 'the refresh token is dead too');
      await refreshed.arrayBuffer();
    });

    test('asking is rate limited per address and per client address', async () => {
      const browser = newBrowser(server.base);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await ask('dave@example.org', newBrowser(server.base))).status);
      assert.deepEqual(statuses, [200, 200, 200, 429], 'three per address, from anywhere');
      const fromOne: number[] = [];
      for (let i = 0; i < 6; i++) fromOne.push((await ask(`someone${i}@example.org`, browser)).status);
      assert.deepEqual(fromOne, [200, 200, 200, 200, 200, 429], 'five per client address');
      await link('dave@example.org', 3);
      assert.equal(
        (await mailsTo(server, 'dave@example.org')).length,
        3,
        'links per account are capped at three an hour',
      );
    });

    test('bad input never gets a 500', async () => {
      const browser = newBrowser(server.base);
      const form = await browser.get(`${server.base}recover`);
      const csrf = /name="csrf" value="([^"]+)"/.exec(form.html)![1]!;
      const failures: string[] = [];
      const bodies = [
        '',
        'a=%ZZ',
        `csrf=${csrf}&email=%00`,
        `csrf=${csrf}&email=${'e'.repeat(5000)}`,
        `csrf=${csrf}&password=%00&password_confirm=%00&end_sessions=%FF`,
      ];
      for (const path of [
        'recover',
        'recover/x',
        `recover/${'A'.repeat(40)}`,
        'recover/%00',
        `recover/${'z'.repeat(3000)}`,
      ]) {
        for (const method of ['GET', 'POST']) {
          for (const body of method === 'GET' ? [undefined] : bodies) {
            const response = await fetch(`${server.base}${path}`, {
              method,
              headers: {
                ...browser.headers,
                'content-type': 'application/x-www-form-urlencoded',
                cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
              },
              body,
            });
            await response.arrayBuffer();
            if (response.status >= 500)
              failures.push(`${response.status} ${method} ${path} ${body?.slice(0, 30)}`);
          }
        }
      }
      assert.deepEqual(failures, []);
    });

    test('a link stops working after an hour', async () => {
      await ask('carol@example.org');
      const url = await link('carol@example.org');
      const browser = newBrowser(server.base);
      const page = await browser.get(url);
      assert.equal(heading(page), 'Choose a new password');
      clock.offsetMs += 61 * 60_000;
      const late = await setPassword(browser, page, {});
      assert.equal(late.status, 410);
      assert.match(late.html, /already used or has expired/);
      assert.equal((await browser.get(url)).status, 410);
      assert.equal((await server.mxauth.users.checkPassword('carol', PASSWORD)).ok, true, 'unchanged');
    });

    test('the log never holds a link token or a password', () => {
      const text = logs.text();
      assert.match(text, /"route":"\/recover\/:token"/, 'the link requests were logged');
      assert.ok(links.length >= 4);
      for (const url of links) assert.ok(!text.includes(url.split('/').at(-1)!), 'a link token was logged');
      assert.ok(!text.includes(NEW_PASSWORD) && !text.includes(PASSWORD));
    });
  });

  describe(`password recovery switched off [${kind}]`, () => {
    test('no link on the sign-in page, and no recovery pages', async () => {
      const server = await startMxauth(kind);
      try {
        const client = await registerClient(server);
        const { page } = await authorize(newBrowser(server.base), client);
        assert.doesNotMatch(page.html, /Forgot your password/);
        const response = await fetch(`${server.base}recover`);
        assert.equal(response.status, 404);
        assert.match(await response.text(), /Password reset is not available/);
      } finally {
        await server.close();
      }
    });
  });
}
