import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import {
  type AccountServer,
  notice,
  postWithoutCsrf,
  register,
  signedIn,
  startAccountServer,
} from './support.js';

for (const kind of DATABASE_KINDS) {
  describe(`profile [${kind}]`, () => {
    let server: AccountServer;

    before(async () => {
      server = await startAccountServer(kind);
      await register(server.running, 'fred', { homeserver: server.homeserver });
    });
    after(() => server.close());

    test('shows the Matrix ID, and a new display name reaches the homeserver', async () => {
      const { browser, page } = await signedIn(server.base, 'fred', '/account/profile');
      assert.match(page.html, /<code>@fred:example\.test<\/code>/);
      const saved = await browser.submit(page, { displayname: '  Fred Flintstone  ' }, '/account/profile');
      assert.equal(saved.status, 200);
      assert.match(saved.url, /\/account\/profile\?done=saved$/);
      assert.equal(notice(saved), 'Your changes were saved.');
      assert.match(saved.html, /name="displayname" value="Fred Flintstone"/);
      await eventually(
        'the homeserver has the new display name',
        () => server.homeserver.users.get('fred')?.displayName === 'Fred Flintstone',
      );
      assert.deepEqual(server.homeserver.callsOf('set_displayname').at(-1)?.body, {
        localpart: 'fred',
        displayname: 'Fred Flintstone',
      });
      const user = await server.running.mxauth.services.storage.users.findByLocalpart('fred');
      assert.equal(user?.displayName, 'Fred Flintstone');
    });

    test('a display name that is empty, too long or has control characters gets the form back (400)', async () => {
      const { browser, page } = await signedIn(server.base, 'fred', '/account/profile');
      const calls = server.homeserver.callsOf('set_displayname').length;
      for (const [typed, reason] of [
        ['   ', /Enter a display name\./],
        ['x'.repeat(257), /at most 256 characters/],
        ['Fred\nInjected', /cannot contain line breaks or control characters/],
      ] as const) {
        const refused = await browser.submit(page, { displayname: typed }, '/account/profile');
        assert.equal(refused.status, 400, JSON.stringify(typed));
        assert.match(refused.html, /<p class="error" role="alert">/);
        assert.match(refused.html, reason);
        assert.match(refused.html, /name="displayname"[^>]*aria-invalid="true"/, 'the field is marked');
      }
      const exactly = await browser.submit(page, { displayname: 'é'.repeat(256) }, '/account/profile');
      assert.equal(exactly.status, 200, '256 characters are fine, whatever their bytes');
      await eventually(
        'the accepted name reaches the homeserver',
        () => server.homeserver.users.get('fred')?.displayName === 'é'.repeat(256),
      );
      assert.equal(
        server.homeserver.callsOf('set_displayname').length,
        calls + 1,
        'nothing refused was sent to the homeserver',
      );
    });

    test('the form needs its CSRF token (403) and a signed-in browser', async () => {
      const { browser } = await signedIn(server.base, 'fred', '/account/profile');
      const forged = await postWithoutCsrf(browser, '/account/profile', { displayname: 'Mallory' });
      assert.equal(forged.status, 403);
      const user = await server.running.mxauth.services.storage.users.findByLocalpart('fred');
      assert.notEqual(user?.displayName, 'Mallory');
    });
  });
}
