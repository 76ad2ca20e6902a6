import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FormBrowser, newBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import type { RunningMxauth } from '../helpers/oauth-server.js';
import {
  type AccountServer,
  formAction,
  lastCode,
  messagesTo,
  notice,
  PASSWORD,
  postForm,
  postWithoutCsrf,
  register,
  signedIn,
  startAccountServer,
  startPlain,
} from './support.js';

const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

/** The addresses listed, in order, with their marks. */
function listed(page: Page): string[] {
  const list = /<ul class="contacts">([\s\S]*?)<\/ul>/.exec(page.html)?.[1] ?? '';
  return [...list.matchAll(/<li>\s*<span class="value">([^<]+)<\/span>([\s\S]*?)<\/li>/g)].map(
    (m) =>
      `${m[1]}${/class="badge">Primary</.test(m[2]!) ? ' (primary)' : ''}${/Not verified/.test(m[2]!) ? ' (unverified)' : ''}`,
  );
}

/** The action of a form in the list entry of `value`. */
function rowAction(page: Page, value: string, contains: string): string {
  const entry = [...page.html.matchAll(/<li>\s*<span class="value">([^<]+)<\/span>([\s\S]*?)<\/li>/g)].find(
    (m) => m[1] === value,
  );
  const action = [...(entry?.[2] ?? '').matchAll(/action="([^"]+)"/g)].find((m) => m[1]!.includes(contains));
  assert.ok(action, `${value} has a form ${contains}`);
  return action[1]!;
}

for (const kind of DATABASE_KINDS) {
  describe(`email addresses [${kind}]`, () => {
    let server: AccountServer;

    before(async () => {
      server = await startAccountServer(kind);
      await register(server.running, 'gina', { email: 'gina@example.org', homeserver: server.homeserver });
      await register(server.running, 'hugo', { email: 'hugo@example.org', homeserver: server.homeserver });
      await register(server.running, 'ivy', { email: 'ivy@example.org', homeserver: server.homeserver });
    });
    after(() => server.close());

    /** Asks for a code for `address`: the page then waits for it. */
    async function requestCode(
      browser: FormBrowser,
      page: Page,
      typed: string,
      address = typed,
    ): Promise<Page> {
      assert.match(
        page.html,
        /<form method="post" action="\/account\/emails">/,
        'the page offers to add one',
      );
      const sent = await postForm(browser, page, '/account/emails', { email: typed });
      assert.equal(sent.status, 200, sent.html.slice(0, 400));
      assert.match(sent.url, /\/account\/emails\?done=code_sent$/);
      assert.ok(sent.html.includes(`Enter the code sent to ${address}`), `waiting for ${address}`);
      return sent;
    }

    test('adds a second address once its code comes back, makes it primary, and removes the first', async () => {
      const { browser, page: first } = await signedIn(server.base, 'gina', '/account/emails');
      assert.deepEqual(listed(first), ['gina@example.org (primary)']);
      assert.match(first.html, /This is your only verified address/, 'the last verified address is kept');
      assert.doesNotMatch(first.html, /action="[^"]*\/remove"/);

      const address = 'Gina.Work@example.org';
      let page = await requestCode(browser, first, 'Gina.Work@Example.ORG', address);
      const [message] = await messagesTo(server.running, address);
      assert.equal(message?.message.kind, 'verification_code', 'a code was mailed, through the outbox');
      assert.equal(message?.language, 'en');
      const code = await lastCode(server.running, address);
      assert.deepEqual(listed(page), ['gina@example.org (primary)'], 'not added before it is verified');

      const verify = formAction(page, '/account/emails/codes/');
      page = await browser.submit(page, { code: wrong(code) }, verify);
      assert.equal(page.status, 400);
      assert.equal(notice(page), 'That code is wrong. Attempts left: 4.');
      assert.match(page.html, /name="code"[^>]*aria-invalid="true"/);

      page = await browser.submit(page, { code: `${code.slice(0, 3)} ${code.slice(3)}` }, verify);
      assert.equal(page.status, 200);
      assert.equal(notice(page), 'The email address was verified and added.');
      assert.deepEqual(listed(page), ['gina@example.org (primary)', 'Gina.Work@example.org']);
      assert.doesNotMatch(page.html, /Enter the code sent to/, 'nothing is waiting any more');
      await eventually('the homeserver learns the new address', () =>
        server.homeserver.users.get('gina')!.emails.includes(address),
      );

      page = await browser.submit(page, {}, formAction(page, '/primary'));
      assert.equal(notice(page), 'This address now gets your mail.');
      assert.deepEqual(listed(page), ['Gina.Work@example.org (primary)', 'gina@example.org']);

      // Two verified addresses: either may go now.
      page = await browser.submit(page, {}, rowAction(page, 'gina@example.org', '/remove'));
      assert.equal(notice(page), 'It was removed.');
      assert.deepEqual(listed(page), ['Gina.Work@example.org (primary)']);
      await eventually(
        'the homeserver forgets the removed address',
        () => server.homeserver.users.get('gina')!.emails.join() === address,
      );

      // The last verified address stays, even when asked by a hand-made form.
      const gina = await server.running.mxauth.services.storage.users.findByLocalpart('gina');
      const [only] = await server.running.mxauth.services.storage.emails.listForUser(gina!.id);
      const refused = await postForm(browser, page, `/account/emails/${only!.id}/remove`, {});
      assert.equal(refused.status, 400);
      assert.match(refused.html, /This is your only verified address/);
      assert.equal((await server.running.mxauth.services.storage.emails.listForUser(gina!.id)).length, 1);
    });

    test('an invalid or taken address gets the form back with the reason (400)', async () => {
      const { browser, page } = await signedIn(server.base, 'gina', '/account/emails');
      for (const [typed, reason] of [
        ['not-an-address', /This is not a valid email address: it needs a name, an @ and a domain/],
        ['', /This is not a valid email address/],
        ['hugo@EXAMPLE.org', /already used by an account/],
        ['HUGO@example.org', /already used by an account/],
      ] as const) {
        const refused = await postForm(browser, page, '/account/emails', { email: typed });
        assert.equal(refused.status, 400, typed);
        assert.match(refused.html, reason);
        assert.match(refused.html, new RegExp(`name="email" value="${typed}"[^>]*aria-invalid="true"`));
      }
      assert.equal(
        (await messagesTo(server.running, 'hugo@example.org')).length,
        0,
        'no code to a taken address',
      );
    });

    test('a code dies after too many wrong guesses; a new one can be sent; waiting can be cancelled', async () => {
      const { browser, page: first } = await signedIn(server.base, 'gina', '/account/emails');
      const address = 'gina.guess@example.org';
      let page = await requestCode(browser, first, address);
      const code = await lastCode(server.running, address);
      const verify = formAction(page, '/account/emails/codes/');
      for (const left of [4, 3, 2, 1]) {
        page = await browser.submit(page, { code: wrong(code) }, verify);
        assert.equal(notice(page), `That code is wrong. Attempts left: ${left}.`);
      }
      page = await browser.submit(page, { code: wrong(code) }, verify);
      assert.equal(page.status, 400);
      assert.match(notice(page)!, /wrong too many times and no longer works/);
      assert.doesNotMatch(page.html, /Enter the code sent to/, 'the dead code’s field is gone');
      page = await postForm(browser, page, verify, { code });
      assert.equal(page.status, 400, 'not even the right code works now');
      assert.match(notice(page)!, /no longer works/);

      page = await requestCode(browser, page, address);
      const resent = await browser.submit(page, {}, formAction(page, '/resend'));
      assert.equal(notice(resent), 'A code is on its way. Enter it below.');
      const fresh = await lastCode(server.running, address);
      assert.equal((await messagesTo(server.running, address)).length, 3, 'three codes went out');
      const done = await browser.submit(
        resent,
        { code: fresh },
        formAction(resent, '/account/emails/codes/'),
      );
      assert.equal(notice(done), 'The email address was verified and added.');

      page = await requestCode(browser, done, 'gina.never@example.org');
      page = await browser.submit(page, {}, formAction(page, '/cancel'));
      assert.equal(notice(page), 'Cancelled.');
      assert.doesNotMatch(page.html, /Enter the code sent to/);

      // An account cannot send codes without end, whatever the addresses.
      let answer: Page | undefined;
      for (let i = 0; i < 6 && answer?.status !== 429; i++)
        answer = await postForm(browser, page, '/account/emails', { email: `gina.flood${i}@example.org` });
      assert.equal(answer?.status, 429);
      assert.match(notice(answer!)!, /Too many codes were sent lately/);
      assert.match(answer!.html, /name="email" value="gina\.flood\d@example\.org"/, 'what was typed is kept');
    });

    test("a code cannot be used for another user's account, and forms need their CSRF token", async () => {
      const { browser: ivy, page } = await signedIn(server.base, 'ivy', '/account/emails');
      const waiting = await requestCode(ivy, page, 'ivy.stolen@example.org');
      const verify = formAction(waiting, '/account/emails/codes/');
      const code = await lastCode(server.running, 'ivy.stolen@example.org');

      const { browser: hugo, page: hugoPage } = await signedIn(server.base, 'hugo', '/account/emails');
      const stolen = await postForm(hugo, hugoPage, verify, { code });
      assert.equal(stolen.status, 400);
      assert.match(stolen.html, /expired or was already used/);

      assert.equal((await postWithoutCsrf(ivy, verify, { code })).status, 403);
      assert.equal((await postWithoutCsrf(ivy, '/account/emails', { email: 'x@example.org' })).status, 403);
      const added = await ivy.submit(waiting, { code }, verify);
      assert.equal(
        notice(added),
        'The email address was verified and added.',
        'the code still works for ivy',
      );
    });
  });
}

for (const kind of DATABASE_KINDS) {
  describe(`email page hint follows account.login_with_email_allowed [${kind}]`, () => {
    const SIGN_IN = 'You can sign in with any of your verified addresses instead of your username.';
    const servers: RunningMxauth[] = [];
    after(() => Promise.all(servers.map((s) => s.close())));

    /** The sentence under the heading of the email page, and whether the address signs in. */
    async function hintAndSignIn(loginWithEmail: boolean) {
      const running = await startPlain(kind, { account: { login_with_email_allowed: loginWithEmail } });
      servers.push(running);
      await register(running, 'jana', { email: 'jana@example.org' });
      const { page } = await signedIn(running.base, 'jana', '/account/emails');
      const hint = /<h2>Email addresses<\/h2>\s*<p class="hint">([^<]*)<\/p>/.exec(page.html)?.[1];
      const browser = newBrowser(running.base);
      const answer = await browser.submit(await browser.get('/account/'), {
        username: 'jana@example.org',
        password: PASSWORD,
      });
      return { hint, signsIn: /<h1>Your account<\/h1>/.test(answer.html) };
    }

    test('off (the default): the page does not say addresses sign in, and they do not', async () => {
      const { hint, signsIn } = await hintAndSignIn(false);
      assert.ok(hint?.startsWith('Mail about your account goes to your primary address.'), hint);
      assert.doesNotMatch(hint!, /sign in/);
      assert.equal(signsIn, false);
    });

    test('on: the page says so, and it is true', async () => {
      const { hint, signsIn } = await hintAndSignIn(true);
      assert.ok(hint?.startsWith(`Mail about your account goes to your primary address. ${SIGN_IN}`), hint);
      assert.equal(signsIn, true);
    });
  });
}
