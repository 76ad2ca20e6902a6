import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import type { RunningMxauth } from '../helpers/oauth-server.js';
import {
  formAction,
  lastCode,
  messagesTo,
  notice,
  postForm,
  register,
  signedIn,
  startPlain,
} from './support.js';

const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

function listed(page: Page): string[] {
  const list = /<ul class="contacts">([\s\S]*?)<\/ul>/.exec(page.html)?.[1] ?? '';
  return [...list.matchAll(/<span class="value">([^<]+)<\/span>/g)].map((m) => m[1]!);
}

for (const kind of DATABASE_KINDS) {
  describe(`phone numbers [${kind}]`, () => {
    let running: RunningMxauth;

    before(async () => {
      running = await startPlain(kind, {
        sms: { sender: 'webhook', webhook: { url: 'http://127.0.0.1:9/sms' } },
      });
      await register(running, 'jack');
      await register(running, 'kate');
    });
    after(() => running.close());

    test('a number is added once the texted code comes back, and can be removed', async () => {
      const { browser, page: first } = await signedIn(running.base, 'jack', '/account/phones');
      assert.match(first.html, /No phone numbers yet/);
      let page = await postForm(browser, first, '/account/phones', { phone: ' +49 (30) 123-4567 ' });
      assert.match(page.url, /\/account\/phones\?done=code_sent$/);
      assert.match(page.html, /Enter the code texted to \+49301234567/);
      const [text] = await messagesTo(running, '+49301234567');
      assert.equal(text?.message.kind, 'verification_code');
      const jobs = await running.mxauth.services.storage.jobs.list({
        states: ['pending', 'running', 'done', 'failed'],
        limit: 10_000,
      });
      assert.ok(
        jobs.some(
          (j) => j.queue === 'sms' && running.mxauth.services.messages.open(j)?.to === '+49301234567',
        ),
        'the code goes out as a text, not a mail',
      );
      const code = await lastCode(running, '+49301234567');

      const verify = formAction(page, '/account/phones/codes/');
      page = await browser.submit(page, { code: wrong(code) }, verify);
      assert.equal(page.status, 400);
      assert.equal(notice(page), 'That code is wrong. Attempts left: 4.');
      page = await browser.submit(page, { code }, verify);
      assert.equal(notice(page), 'The phone number was verified and added.');
      assert.deepEqual(listed(page), ['+49301234567']);

      // Another account cannot take the number, however it is written.
      const { browser: kate, page: katePage } = await signedIn(running.base, 'kate', '/account/phones');
      const taken = await postForm(kate, katePage, '/account/phones', { phone: '0049 30 1234567' });
      assert.equal(taken.status, 400);
      assert.match(notice(taken)!, /already used by an account/);

      page = await browser.submit(page, {}, formAction(page, '/remove'));
      assert.equal(notice(page), 'It was removed.');
      assert.deepEqual(listed(page), []);
      const jack = await running.mxauth.services.storage.users.findByLocalpart('jack');
      assert.deepEqual(await running.mxauth.services.storage.phones.listForUser(jack!.id), []);
    });

    test('a number that is not E.164 gets the form back with the reason (400)', async () => {
      const { browser, page } = await signedIn(running.base, 'kate', '/account/phones');
      for (const [typed, reason] of [
        ['', /Enter a phone number/],
        ['030 1234567', /Start the number with \+ and the country code/],
        ['+0 30 1234567', /Start the number with \+ and the country code/],
        ['+49 30 12ab34', /only digits, a leading \+/],
        ['+49 30 1234567 ext. 5', /only digits, a leading \+/],
        ['+1234567', /8 to 15 digits/],
        ['+1234567890123456', /8 to 15 digits/],
      ] as const) {
        const refused = await postForm(browser, page, '/account/phones', { phone: typed });
        assert.equal(refused.status, 400, typed);
        assert.match(notice(refused)!, reason, typed);
        assert.match(refused.html, /name="phone"[^>]*aria-invalid="true"/);
      }
      const kate = await running.mxauth.services.storage.users.findByLocalpart('kate');
      const codes = await running.mxauth.services.storage.verificationCodes.countSentTo(
        '+1234567',
        new Date(0),
      );
      assert.equal(codes, 0, 'nothing was sent for a refused number');
      assert.deepEqual(await running.mxauth.services.storage.phones.listForUser(kate!.id), []);
    });

    test('a number in 00 notation is read as international', async () => {
      const { browser, page } = await signedIn(running.base, 'kate', '/account/phones');
      const sent = await postForm(browser, page, '/account/phones', { phone: '0044 20 7946 0958' });
      assert.match(sent.html, /Enter the code texted to \+442079460958/);
    });
  });
}
