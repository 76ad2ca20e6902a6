import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { introspectAsHomeserver, signInDevice } from '../helpers/homeserver-flows.js';
import {
  type AccountServer,
  HOMESERVER_SECRET,
  notice,
  PASSWORD,
  postWithoutCsrf,
  register,
  signedIn,
  startAccountServer,
} from './support.js';

for (const kind of DATABASE_KINDS) {
  describe(`account deactivation [${kind}]`, () => {
    let server: AccountServer;

    before(async () => {
      server = await startAccountServer(kind);
      for (const localpart of ['rosa', 'sam'])
        await register(server.running, localpart, { homeserver: server.homeserver });
    });
    after(() => server.close());

    const deviceToken = async (localpart: string, deviceId: string) => {
      const signed = await signInDevice(
        server.base,
        server.client,
        { localpart, password: PASSWORD },
        deviceId,
      );
      assert.equal(signed.status, 200);
      return signed.body.access_token!;
    };
    const active = async (token: string) =>
      (await introspectAsHomeserver(server.base, HOMESERVER_SECRET, token)).active === true;

    test('needs the password, then ends everything and erases on the homeserver when asked', async () => {
      const token = await deviceToken('rosa', 'ROSAPHONE');
      const { browser, page } = await signedIn(server.base, 'rosa', '/account/deactivate');
      assert.match(page.html, /Deactivating your account cannot be undone by you/);
      assert.match(page.html, /<input type="checkbox" name="erase" value="yes"/);

      const refused = await browser.submit(page, { password: 'not it', erase: 'yes' }, '/account/deactivate');
      assert.equal(refused.status, 400);
      assert.equal(notice(refused), 'That is not your current password.');
      assert.match(refused.html, /name="erase" value="yes"[^>]*checked/, 'the choice is kept');
      assert.match(
        refused.html,
        /<input type="password" name="password"[^>]*aria-invalid="true" aria-describedby="proof-error" autofocus>/,
        'the focus is on the password for another try',
      );
      assert.match(
        refused.html,
        /<span class="field-error" id="proof-error">That is not your current password\.<\/span>/,
      );
      assert.equal(await active(token), true, 'nothing happened');
      assert.equal(
        (await postWithoutCsrf(browser, '/account/deactivate', { password: PASSWORD })).status,
        403,
      );
      assert.equal(await active(token), true);

      const done = await browser.submit(page, { password: PASSWORD, erase: 'yes' }, '/account/deactivate');
      assert.equal(done.status, 200);
      assert.match(done.html, /<h1>Your account is deactivated<\/h1>/);
      assert.equal(await active(token), false, 'the device lost access at once');
      await eventually('the homeserver deactivated and erased the user', () =>
        server.homeserver.callsOf('delete_user').some((c) => c.body?.localpart === 'rosa'),
      );
      assert.deepEqual(
        server.homeserver.callsOf('delete_user').find((c) => c.body?.localpart === 'rosa')?.body,
        {
          localpart: 'rosa',
          erase: true,
        },
      );
      assert.equal(server.homeserver.users.get('rosa')!.erased, true);
      assert.match((await browser.get('/account/')).html, /name="password"/, 'this browser is signed out');

      const again = newBrowser(server.base);
      const login = await again.submit(await again.get('/account/'), {
        username: 'rosa',
        password: PASSWORD,
      });
      assert.doesNotMatch(login.html, /<h1>Your account<\/h1>/, 'the account cannot sign in any more');
    });

    test('without erasing, the homeserver is told to deactivate only', async () => {
      const { browser, page } = await signedIn(
        server.base,
        'sam',
        '/account/?action=org.matrix.account_deactivate',
      );
      const done = await browser.submit(page, { password: PASSWORD }, '/account/deactivate');
      assert.match(done.html, /Your account is deactivated/);
      await eventually('the homeserver deactivated the user', () =>
        server.homeserver.callsOf('delete_user').some((c) => c.body?.localpart === 'sam'),
      );
      assert.equal(
        server.homeserver.callsOf('delete_user').find((c) => c.body?.localpart === 'sam')?.body?.erase,
        false,
      );
      assert.equal(server.homeserver.users.get('sam')!.erased, false);
      assert.equal(server.homeserver.users.get('sam')!.deactivated, true);
    });
  });
}
