import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import { type FormBrowser, newBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { introspect, type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';
import { authorize, heading, lastCode, mailsTo, PASSWORD, redeem, wrongCode } from './helpers.js';

for (const kind of DATABASE_KINDS) {
  describe(`registration with an emailed code [${kind}]`, () => {
    let server: RunningMxauth;
    let client: oidc.Configuration;

    before(async () => {
      server = await startMxauth(kind, {
        account: { password_registration_enabled: true, password_registration_email_required: true },
      });
      assert.ok((await server.mxauth.users.register({ localpart: 'plain', password: PASSWORD })).ok);
      client = await registerClient(server);
    });
    after(() => server.close());

    /** Fills in the first step for `username` and returns the code page. */
    const details = async (browser: FormBrowser, username: string, extra: Record<string, string> = {}) => {
      const { page: form, verifier } = await authorize(browser, client, { prompt: 'create' });
      assert.equal(heading(form), 'Create an account');
      const page = await browser.submit(form, {
        username,
        email: `${username}@example.org`,
        password: PASSWORD,
        password_confirm: PASSWORD,
        ...extra,
      });
      return { page, verifier };
    };

    test('details, then the mailed code, then consent: the client receives a code for the new account', async () => {
      const browser = newBrowser(server.base);
      const { page: form } = await authorize(browser, client, { prompt: 'create' });
      assert.match(form.html, /<meter id="password-meter"[^>]*value="0"/, 'a visible strength meter');
      assert.match(form.html, /<script src="\/assets\/mxauth\.js" defer><\/script>/);
      assert.match(form.html, /data-availability-url="\/register\/available"/);
      assert.match(form.headers.get('content-security-policy') ?? '', /connect-src 'self'/);
      assert.match(form.html, /name="email"[^>]* required/, 'the address is required');

      const { page: codePage, verifier } = await details(browser, 'newbie', { display_name: 'New Bie' });
      assert.equal(codePage.status, 200);
      assert.equal(heading(codePage), 'Confirm your email address');
      assert.match(codePage.html, /newbie@example\.org/);
      assert.equal(
        await server.mxauth.services.storage.users.findByLocalpart('newbie'),
        undefined,
        'no account before the code',
      );
      const pending = browser.cookies.get('mxauth-registration') ?? '';
      assert.ok(pending.length > 0, 'the pending registration is kept in a cookie');
      assert.doesNotMatch(pending, /newbie|correct|argon/, 'sealed: nothing readable in it');

      const mails = await mailsTo(server, 'newbie@example.org');
      assert.equal(mails.length, 1);
      assert.deepEqual(
        { kind: mails[0]!.message.kind, language: mails[0]!.language },
        { kind: 'verification_code', language: 'en' },
      );
      const code = await lastCode(server, 'newbie@example.org');
      assert.match(code, /^\d{6}$/);

      let page = await browser.submit(codePage, { code: wrongCode(code) });
      assert.equal(page.status, 400);
      assert.match(page.html, /This code is wrong\. Attempts left: 4\./);
      page = await browser.submit(page, { code: `${code.slice(0, 3)} ${code.slice(3)}` });
      assert.equal(heading(page), 'Allow access?', page.html);
      assert.equal(browser.cookies.has('mxauth-registration'), false, 'the pending registration is gone');
      page = await browser.submit(page, { decision: 'allow' });
      const tokens = await redeem(client, page, verifier);
      assert.equal((await introspect(server, tokens.access_token)).username, 'newbie');

      const { storage } = server.mxauth.services;
      const user = await storage.users.findByLocalpart('newbie');
      assert.equal(user?.displayName, 'New Bie');
      const emails = await storage.emails.listForUser(user!.id);
      assert.deepEqual(
        emails.map((e) => ({ email: e.email, primary: e.primary, confirmed: e.confirmedAt !== null })),
        [{ email: 'newbie@example.org', primary: true, confirmed: true }],
      );
      assert.equal((await server.mxauth.users.checkPassword('newbie', PASSWORD)).ok, true);
    });

    test('five wrong codes end the registration: the right code no longer creates the account', async () => {
      const browser = newBrowser(server.base);
      const { page: codePage } = await details(browser, 'guesser');
      const code = await lastCode(server, 'guesser@example.org');
      let page: Page = codePage;
      for (const left of [4, 3, 2, 1]) {
        page = await browser.submit(page, { code: wrongCode(code) });
        assert.match(page.html, new RegExp(`Attempts left: ${left}\\.`));
      }
      page = await browser.submit(page, { code: wrongCode(code) });
      assert.equal(page.status, 400);
      assert.equal(heading(page), 'Create an account');
      assert.match(page.html, /Too many wrong codes/);
      assert.match(page.html, /value="guesser"/, 'the details are kept to send again');
      page = await browser.submit(codePage, { code });
      assert.equal(page.status, 400);
      assert.match(page.html, /This registration has expired/);
      assert.equal(await server.mxauth.services.storage.users.findByLocalpart('guesser'), undefined);
    });

    test("another account's address: the form tells nothing; only the mailbox's owner learns, after the code", async () => {
      assert.ok(
        (
          await server.mxauth.users.register({
            localpart: 'owner',
            password: PASSWORD,
            email: 'owner@example.org',
          })
        ).ok,
      );
      const browser = newBrowser(server.base);
      const { page: codePage } = await details(browser, 'intruder', { email: 'Owner@Example.org' });
      assert.equal(heading(codePage), 'Confirm your email address', 'the same answer as for a free address');
      const code = await lastCode(server, 'Owner@example.org');
      const page = await browser.submit(codePage, { code });
      assert.equal(page.status, 400);
      assert.match(page.html, /This email address is already used by another account/);
      assert.equal(await server.mxauth.services.storage.users.findByLocalpart('intruder'), undefined);
    });

    test('a new code can be sent; it replaces the first', async () => {
      const browser = newBrowser(server.base);
      const { page: codePage, verifier } = await details(browser, 'resender');
      const first = await lastCode(server, 'resender@example.org');
      let page = await browser.submit(codePage, {}, 'register/resend');
      assert.match(page.html, /A new code is on its way to resender@example\.org/);
      const second = await lastCode(server, 'resender@example.org');
      assert.equal((await mailsTo(server, 'resender@example.org')).length, 2);
      if (first !== second) {
        page = await browser.submit(page, { code: first }, 'register/verify');
        assert.match(page.html, /This code is wrong/);
      }
      page = await browser.submit(page, { code: second }, 'register/verify');
      page = await browser.submit(page, { decision: 'allow' });
      await redeem(client, page, verifier);
    });

    test('refusals say why and keep what was typed, but never the password', async () => {
      const browser = newBrowser(server.base);
      const { page: form } = await authorize(browser, client, { prompt: 'create' });
      const attempt = (fields: Record<string, string>) =>
        browser.submit(form, {
          username: 'fresh',
          email: 'fresh@example.org',
          password: PASSWORD,
          password_confirm: PASSWORD,
          ...fields,
        });

      let page = await attempt({ password: 'password', password_confirm: 'password' });
      assert.equal(page.status, 400);
      assert.match(page.html, /The password is too weak \(0\/4, at least 3 needed\)\. This is a/);
      assert.match(page.html, /<meter id="password-meter"[^>]*value="0"/);
      assert.match(page.html, /value="fresh@example\.org"/);

      page = await attempt({ password_confirm: 'something else' });
      assert.equal(page.status, 400);
      assert.match(page.html, /The two passwords differ/);
      assert.doesNotMatch(page.html, /correct horse/);

      page = await attempt({ username: 'plain' });
      assert.match(page.html, /This username is already taken/);
      page = await attempt({ username: 'Bad Name' });
      assert.match(page.html, /may only contain lowercase letters/);
      page = await attempt({ email: '' });
      assert.match(page.html, /Enter your email address/);
      page = await attempt({ email: 'not-an-address' });
      assert.match(page.html, /This is not a valid email address/);
      page = await attempt({ email: 'PLAIN-owner@example.org', username: 'another' });
      assert.equal(heading(page), 'Confirm your email address', 'a free address goes on to the code');

      const german = newBrowser(server.base, { 'accept-language': 'de-DE,de;q=0.9' });
      const { page: deForm } = await authorize(german, client, { prompt: 'create' });
      page = await german.submit(deForm, {
        username: 'frisch',
        email: 'frisch@example.org',
        password: 'password',
        password_confirm: 'password',
      });
      assert.match(page.html, /Das Passwort ist zu schwach \(0\/4, mindestens 3 nötig\)/);
    });

    test('the availability check answers JSON, and is rate limited per address', async () => {
      const ask = (username: string, ip = '198.18.7.1') =>
        fetch(`${server.base}register/available?username=${encodeURIComponent(username)}`, {
          headers: { 'x-forwarded-for': ip, 'accept-language': 'en' },
        });
      let response = await ask('plain');
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      assert.deepEqual(await response.json(), {
        available: false,
        reason: 'localpart_taken',
        message: 'This username is already taken.',
      });
      assert.deepEqual(await (await ask('freebie')).json(), {
        available: true,
        message: 'This username is available.',
      });
      const invalid = (await (await ask('No Way')).json()) as Record<string, unknown>;
      assert.equal(invalid.available, false);
      assert.equal(invalid.reason, 'invalid_localpart');
      assert.equal((await ask('')).status, 400);
      let limited = 0;
      for (let i = 0; i < 25; i++) {
        response = await ask(`name${i}`);
        await response.arrayBuffer();
        if (response.status === 429) limited++;
      }
      assert.ok(limited > 0, 'one address cannot list names fast');
      assert.ok(Number(response.headers.get('retry-after')) >= 1);
      assert.equal((await ask('freebie', '198.18.7.2')).status, 200, 'another address is not affected');
    });

    test('the strength check takes the password by POST with the CSRF token, and is rate limited', async () => {
      const browser = newBrowser(server.base);
      const { page: form } = await authorize(browser, client, { prompt: 'create' });
      const csrf = /name="csrf" value="([^"]+)"/.exec(form.html)![1]!;
      const rate = (fields: Record<string, string>) =>
        fetch(`${server.base}password-strength`, {
          method: 'POST',
          headers: {
            ...browser.headers,
            'content-type': 'application/x-www-form-urlencoded',
            cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          },
          body: new URLSearchParams(fields),
        });
      let response = await rate({ password: 'password' });
      assert.equal(response.status, 403, 'no CSRF token, no answer');
      await response.arrayBuffer();
      response = await rate({ csrf, password: 'password' });
      assert.equal(response.status, 200);
      const weak = (await response.json()) as Record<string, unknown>;
      assert.equal(weak.score, 0);
      assert.equal(weak.acceptable, false);
      assert.match(String(weak.message), /too weak/);
      const strong = (await (await rate({ csrf, password: PASSWORD })).json()) as Record<string, unknown>;
      assert.deepEqual(strong, { score: 4, acceptable: true, message: 'Strong enough.' });
      const personal = (await (
        await rate({ csrf, password: 'zebrafinch2024', user_inputs: 'zebrafinch\nzebra@example.org' })
      ).json()) as Record<string, unknown>;
      assert.equal(personal.acceptable, false, 'the username counts as a guessable word');
      let limited = false;
      for (let i = 0; i < 40 && !limited; i++) {
        response = await rate({ csrf, password: `attempt ${i}` });
        await response.arrayBuffer();
        limited = response.status === 429;
      }
      assert.ok(limited, 'rate limited');
    });

    test('bad input never gets a 500: every form answers with a page', async () => {
      const browser = newBrowser(server.base);
      const { page: form } = await authorize(browser, client, { prompt: 'create' });
      const uid = /\/interaction\/([^/]+)\/register/.exec(form.html)![1]!;
      const csrf = /name="csrf" value="([^"]+)"/.exec(form.html)![1]!;
      const junk = [
        '',
        'a=%ZZ&&==',
        `csrf=${csrf}&username=%00%01&password=x&password_confirm=y&email=%FF%FE`,
        `csrf=${csrf}&username=${'a'.repeat(300)}&password=${'p'.repeat(2000)}&password_confirm=${'p'.repeat(2000)}&email=${'e'.repeat(300)}@x.y&display_name=%07bell`,
        `csrf=${csrf}&username=ok&password=${encodeURIComponent(PASSWORD)}&password_confirm=${encodeURIComponent(PASSWORD)}&email=a@b.c&display_name=${'d'.repeat(300)}`,
        `csrf=${csrf}&code=${'9'.repeat(100)}&decision=%00&accept_terms=&registration_token=${'t'.repeat(500)}`,
        `csrf=${csrf}&username=@plain:example.test&password=1&password_confirm=1`,
      ];
      const failures: string[] = [];
      for (const path of ['register', 'register/verify', 'register/resend', 'terms', 'login', 'consent']) {
        for (const body of junk) {
          const response = await fetch(`${server.base}interaction/${uid}/${path}`, {
            method: 'POST',
            redirect: 'manual',
            headers: {
              ...browser.headers,
              'content-type': 'application/x-www-form-urlencoded',
              cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
            },
            body,
          });
          const text = await response.text();
          if (response.status >= 500 || (response.status >= 400 && !text.includes('<h1>')))
            failures.push(`${response.status} ${path} ${body.slice(0, 40)}`);
        }
      }
      for (const query of [
        '?username=%FF',
        '?username=%00',
        `?username=${'x'.repeat(5000)}`,
        '?username[]=a',
      ]) {
        const response = await fetch(`${server.base}register/available${query}`);
        await response.arrayBuffer();
        if (response.status >= 500) failures.push(`${response.status} available${query}`);
      }
      const get = await fetch(`${server.base}interaction/${uid}/register?restart=%FF`);
      await get.arrayBuffer();
      if (get.status >= 500) failures.push(`${get.status} GET register`);
      assert.deepEqual(failures, []);
    });
  });

  describe(`registration without a required address [${kind}]`, () => {
    let server: RunningMxauth;
    let client: oidc.Configuration;

    before(async () => {
      server = await startMxauth(kind, {
        account: { password_registration_enabled: true, password_registration_email_required: false },
      });
      client = await registerClient(server);
    });
    after(() => server.close());

    test('no address: the account is created at once; an address given is still confirmed by code', async () => {
      let browser = newBrowser(server.base);
      let started = await authorize(browser, client, { prompt: 'create' });
      assert.match(started.page.html, /Email address \(optional\)/);
      assert.doesNotMatch(started.page.html, /name="email"[^>]* required/);
      let page = await browser.submit(started.page, {
        username: 'noaddress',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.equal(heading(page), 'Allow access?');
      page = await browser.submit(page, { decision: 'allow' });
      assert.equal(
        (await introspect(server, (await redeem(client, page, started.verifier)).access_token)).username,
        'noaddress',
      );

      browser = newBrowser(server.base);
      started = await authorize(browser, client, { prompt: 'create' });
      page = await browser.submit(started.page, {
        username: 'withaddress',
        email: 'with@example.org',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.equal(heading(page), 'Confirm your email address');
      page = await browser.submit(page, { code: await lastCode(server, 'with@example.org') });
      assert.equal(heading(page), 'Allow access?');
    });

    test('registration disabled: the pages and the availability check are not there', async () => {
      const off = await startMxauth(kind, { account: { password_registration_enabled: false } });
      try {
        const response = await fetch(`${off.base}register/available?username=x`);
        assert.equal(response.status, 404);
        await response.arrayBuffer();
        const offClient = await registerClient(off);
        const browser = newBrowser(off.base);
        const { page } = await authorize(browser, offClient);
        assert.doesNotMatch(page.html, /Create an account/);
        const uid = /\/interaction\/([^/]+)\/login/.exec(page.html)![1]!;
        const register = await browser.get(`${off.base}interaction/${uid}/register`);
        assert.equal(register.status, 404);
        assert.equal(heading(register), 'Sign in');
      } finally {
        await off.close();
      }
    });
  });
}
