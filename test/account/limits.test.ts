import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import type { RunningMxauth } from '../helpers/oauth-server.js';
import {
  formAction,
  lastCode,
  notice,
  PASSWORD,
  postForm,
  register,
  signedIn,
  startPlain,
} from './support.js';

const NEW_PASSWORD = 'lantern orbit velvet canyon';
const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

/** The tag of the input named `name`. */
function inputTag(page: Page, name: string): string {
  const tag = new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`).exec(page.html)?.[0];
  assert.ok(tag, `the page has an input ${name}`);
  return tag;
}

/**
 * The account pages' limits say how long to wait, in minutes rounded up. Limits slow enough that the
 * wait is several minutes: two wrong passwords per address, then one every 10 minutes; one code sent per
 * account, then one every 20 minutes; one code typed in, then one every 5 minutes. mxauth's clock does not
 * move in these tests, so each wait is exact.
 */
for (const kind of DATABASE_KINDS) {
  describe(`account page limits say how long to wait [${kind}]`, () => {
    let running: RunningMxauth;

    before(async () => {
      running = await startPlain(kind, {
        rate_limiting: {
          login: { per_ip: { burst: 2, per_second: 1 / 600 } },
          verification_codes: {
            sends_per_account: { burst: 1, per_second: 1 / 1200 },
            checks_per_account: { burst: 1, per_second: 1 / 300 },
          },
        },
      });
      for (const localpart of ['tara', 'uma', 'vera', 'wilma'])
        await register(running, localpart, { email: `${localpart}@example.org` });
    });
    after(() => running.close());

    test('the password page: wrong current passwords, then "try again in 10 minutes"', async () => {
      const { browser, page } = await signedIn(running.base, 'tara', '/account/password');
      const attempt = () =>
        browser.submit(
          page,
          { current_password: 'a guess', new_password: NEW_PASSWORD, new_password_confirm: NEW_PASSWORD },
          '/account/password',
        );
      for (let i = 0; i < 2; i++) {
        const refused = await attempt();
        assert.equal(refused.status, 400);
        assert.equal(notice(refused), 'That is not your current password.');
        assert.match(inputTag(refused, 'current_password'), /aria-invalid="true" autofocus/);
      }
      const limited = await attempt();
      assert.equal(limited.status, 429);
      assert.equal(notice(limited), 'Too many password attempts. Try again in 10 minutes.');
      assert.equal(limited.headers.get('retry-after'), '600');
      assert.match(inputTag(limited, 'current_password'), /aria-invalid="true" autofocus/);
      assert.match(
        limited.html,
        /<span class="field-error" id="current_password-error">Too many password attempts\. Try again in 10 minutes\.<\/span>/,
      );

      await running.advance(10 * 60_000);
      const later = await browser.submit(
        page,
        { current_password: PASSWORD, new_password: NEW_PASSWORD, new_password_confirm: NEW_PASSWORD },
        '/account/password',
      );
      assert.equal(
        notice(later),
        'Your password was changed.',
        'after the wait, the password is checked again',
      );
    });

    test('the deactivation page, in German: the wait and the focus on the password', async () => {
      const { browser, page } = await signedIn(running.base, 'uma', '/account/deactivate', {
        'accept-language': 'de',
      });
      const attempt = () => browser.submit(page, { password: 'a guess' }, '/account/deactivate');
      const refused = await attempt();
      assert.equal(notice(refused), 'Das ist nicht dein aktuelles Passwort.');
      assert.match(
        inputTag(refused, 'password'),
        /aria-invalid="true" aria-describedby="proof-error" autofocus/,
        'the focus is on the password after a wrong one',
      );
      assert.match(
        refused.html,
        /<span class="field-error" id="proof-error">Das ist nicht dein aktuelles Passwort\.<\/span>/,
      );
      await attempt();
      const limited = await attempt();
      assert.equal(limited.status, 429);
      assert.equal(notice(limited), 'Zu viele Passwortversuche. Versuche es in 10 Minuten erneut.');
      assert.match(inputTag(limited, 'password'), /autofocus/);
    });

    test('the email page: codes sent and codes typed in, each with its wait', async () => {
      const { browser, page: first } = await signedIn(running.base, 'vera', '/account/emails');
      const sent = await postForm(browser, first, '/account/emails', { email: 'vera.work@example.org' });
      assert.equal(notice(sent), 'A code is on its way. Enter it below.');

      const flooded = await postForm(browser, sent, '/account/emails', { email: 'vera.home@example.org' });
      assert.equal(flooded.status, 429);
      assert.equal(notice(flooded), 'Too many codes were sent lately. Try again in 20 minutes.');
      assert.equal(flooded.headers.get('retry-after'), '1200');
      const resent = await browser.submit(sent, {}, formAction(sent, '/resend'));
      assert.equal(resent.status, 429);
      assert.equal(notice(resent), 'Too many codes were sent lately. Try again in 20 minutes.');

      const code = await lastCode(running, 'vera.work@example.org');
      const verify = formAction(sent, '/account/emails/codes/');
      const wrongOnce = await browser.submit(sent, { code: wrong(code) }, verify);
      assert.equal(notice(wrongOnce), 'That code is wrong. Attempts left: 4.');
      const tooFast = await browser.submit(sent, { code }, verify);
      assert.equal(tooFast.status, 429);
      assert.equal(notice(tooFast), 'Too many codes were tried. Try again in 5 minutes.');

      await running.advance(5 * 60_000);
      const added = await browser.submit(sent, { code }, verify);
      assert.equal(notice(added), 'The email address was verified and added.');
    });

    test('a wait under a minute is said as one minute, never zero', async () => {
      const { browser, page } = await signedIn(running.base, 'wilma', '/account/emails');
      const sent = await postForm(browser, page, '/account/emails', { email: 'wilma.work@example.org' });
      assert.equal(notice(sent), 'A code is on its way. Enter it below.');
      await running.advance(20 * 60_000 - 30_000);
      const soon = await postForm(browser, sent, '/account/emails', { email: 'wilma.home@example.org' });
      assert.equal(notice(soon), 'Too many codes were sent lately. Try again in 1 minute.');
      const seconds = Number(soon.headers.get('retry-after'));
      assert.ok(seconds > 0 && seconds <= 60, `Retry-After ${seconds}`);
    });
  });
}
