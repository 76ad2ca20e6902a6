import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATABASE_KINDS } from '../helpers/databases.js';
import type { RunningMxauth } from '../helpers/oauth-server.js';
import { postForm, postWithoutCsrf, register, signedIn, startPlain } from './support.js';

/** Every form the account pages accept, with ids that exist nowhere. */
const ROUTES = [
  '/account/profile',
  '/account/emails',
  '/account/emails/codes/01JUNKJUNKJUNKJUNKJUNKJUNK',
  '/account/emails/codes/01JUNKJUNKJUNKJUNKJUNKJUNK/resend',
  '/account/emails/codes/01JUNKJUNKJUNKJUNKJUNKJUNK/cancel',
  '/account/emails/nope/primary',
  '/account/emails/nope/remove',
  '/account/phones',
  '/account/phones/codes/x/resend',
  '/account/phones/codes/%00',
  '/account/phones/nope/remove',
  '/account/password',
  '/account/sessions/nope/end',
  '/account/sessions/nope/rename',
  '/account/compat-sessions/nope/end',
  '/account/compat-sessions/nope/rename',
  '/account/browser-sessions/nope/end',
  '/account/devices/sign-out-others',
  '/account/deactivate',
];

const JUNK: Record<string, string>[] = [
  {},
  {
    displayname: '\u0000'.repeat(300),
    email: '@@',
    phone: '+'.repeat(40),
    code: 'x'.repeat(5000),
    current_password: 'y'.repeat(2000),
    new_password: '\ud800',
    new_password_confirm: '',
    password: 'z'.repeat(3000),
    name: '',
    erase: 'maybe',
  },
  {
    name: 'A\u0000B',
    displayname: 'Fine\u0000',
    email: 'a\u0000@example.org',
    phone: '+49\u0000301234567',
    code: '\u0000',
  },
];

for (const kind of DATABASE_KINDS) {
  describe(`account forms under bad input [${kind}]`, () => {
    let running: RunningMxauth;

    before(async () => {
      running = await startPlain(kind, {
        sms: { sender: 'webhook', webhook: { url: 'http://127.0.0.1:9/sms' } },
      });
      await register(running, 'vera', { email: 'vera@example.org' });
    });
    after(() => running.close());

    test('every form answers bad input with a page, never a server error; without CSRF, 403', async () => {
      const { browser, page } = await signedIn(running.base, 'vera', '/account/devices');
      const failures: string[] = [];
      for (const route of ROUTES) {
        const forged = await postWithoutCsrf(browser, route, { displayname: 'x' });
        if (forged.status !== 403) failures.push(`${route} without CSRF: ${forged.status}`);
        // Deactivation with a wrong password is refused, never carried out.
        for (const fields of JUNK) {
          const answer = await postForm(browser, page, route, fields);
          if (answer.status >= 500)
            failures.push(`${route} ${JSON.stringify(fields).slice(0, 40)}: ${answer.status}`);
          if (!answer.html.includes('</html>')) failures.push(`${route}: not a page`);
        }
      }
      assert.deepEqual(failures, []);
      const vera = await running.mxauth.services.storage.users.findByLocalpart('vera');
      assert.equal(vera?.deactivatedAt, null, 'still there');
      assert.equal(vera?.displayName, null, 'nothing junk was saved');
      assert.equal((await browser.get('/account/devices')).status, 200, 'and still signed in');
    });

    test('wrong content types and unknown methods are answered without a server error', async () => {
      const { browser } = await signedIn(running.base, 'vera', '/account/devices');
      const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      for (const route of [
        '/account/profile',
        '/account/emails',
        '/account/password',
        '/account/deactivate',
      ]) {
        for (const [method, type, body] of [
          ['POST', 'application/json', '{"csrf":"x"}'],
          ['POST', 'text/plain', 'hello'],
          ['POST', 'application/x-www-form-urlencoded', 'a=%ZZ&&=='],
          ['PUT', 'application/x-www-form-urlencoded', 'a=b'],
          ['DELETE', '', ''],
        ] as const) {
          const response = await fetch(new URL(route, running.base), {
            method,
            headers: { cookie, ...(type ? { 'content-type': type } : {}) },
            ...(body ? { body } : {}),
            redirect: 'manual',
          });
          assert.ok(response.status < 500, `${method} ${route} ${type}: ${response.status}`);
        }
      }
    });
  });
}
