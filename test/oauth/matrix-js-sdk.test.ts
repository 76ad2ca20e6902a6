import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isValidAuthMetadata, OAuth2 } from 'matrix-js-sdk';
import { FormBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { introspect, type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://element.example.com/callback';
// matrix-js-sdk logs every request at debug level; keep the test output readable.
const quiet = { debug() {}, info() {}, warn() {}, error() {}, trace() {}, getChild: () => quiet } as never;

for (const kind of DATABASE_KINDS) {
  describe(`matrix-js-sdk OAuth2 against mxauth [${kind}]`, () => {
    let server: RunningMxauth;
    let metadata: Parameters<typeof OAuth2.registerClient>[0];

    before(async () => {
      server = await startMxauth(kind);
      assert.ok((await server.mxauth.users.register({ localpart: 'bob', password: PASSWORD })).ok);
      const discovered = await (await fetch(`${server.base}.well-known/openid-configuration`)).json();
      assert.ok(isValidAuthMetadata(discovered), 'the SDK accepts the metadata');
      metadata = discovered as typeof metadata;
    });
    after(() => server.close());

    const signIn = async (browser: FormBrowser, first: Page) => {
      let page = first;
      if (page.html.includes('name="password"'))
        page = await browser.submit(page, { username: 'bob', password: PASSWORD });
      return browser.submit(page, { decision: 'allow' });
    };

    test('register, sign in, refresh (also retrying a lost response), revoke', async () => {
      const clientId = await OAuth2.registerClient(
        metadata,
        {
          client_name: 'Element',
          client_uri: 'https://element.example.com/',
          redirect_uris: [REDIRECT],
          application_type: 'web',
        },
        quiet,
      );
      const oauth = new OAuth2(metadata as never, { clientId }, quiet);
      const state = 'state-123';
      const url = await oauth.generateAuthorizationCodeGrantUrl(state, REDIRECT, 'fragment');
      const browser = new FormBrowser(server.base);
      const done = await signIn(browser, await browser.get(url));
      assert.ok(done.external);
      const params = new URLSearchParams(new URL(done.url).hash.slice(1));
      assert.equal(params.get('state'), state);

      const tokens = await oauth.completeAuthorizationCodeGrant(params.get('code')!, REDIRECT);
      const introspected = await introspect(server, tokens.access_token);
      assert.equal(introspected.active, true);
      assert.equal(introspected.username, 'bob');
      assert.equal(introspected.device_id, oauth.context.deviceId);

      const first = await oauth.performRefreshTokenGrant(tokens.refresh_token!);
      // The response to that refresh was lost: the client retries with the same refresh token, and within
      // seconds gets the same answer again (oauth/refresh-turns.ts; later, a fresh pair: negative.test.ts).
      const retried = await oauth.performRefreshTokenGrant(tokens.refresh_token!);
      assert.equal(retried.refresh_token, first.refresh_token);
      const next = await oauth.performRefreshTokenGrant(retried.refresh_token!);
      assert.equal((await introspect(server, next.access_token)).active, true);
      // Now the old token is a replay, not a retry: the device is signed out.
      await assert.rejects(oauth.performRefreshTokenGrant(tokens.refresh_token!), { error: 'invalid_grant' });
      assert.deepEqual(await introspect(server, next.access_token), { active: false });

      // A fresh sign-in, then revocation through the SDK.
      const again = new OAuth2(metadata as never, { clientId }, quiet);
      const done2 = await signIn(
        browser,
        await browser.get(await again.generateAuthorizationCodeGrantUrl('s2', REDIRECT, 'query')),
      );
      const code = new URL(done2.url).searchParams.get('code')!;
      const tokens2 = await again.completeAuthorizationCodeGrant(code, REDIRECT);
      await again.revokeToken(tokens2.access_token, 'access_token');
      assert.deepEqual(await introspect(server, tokens2.access_token), { active: false });
      await assert.rejects(again.performRefreshTokenGrant(tokens2.refresh_token!));
    });

    test('device authorization grant: the user confirms on another screen', async () => {
      const clientId = await OAuth2.registerClient(
        metadata,
        {
          client_name: 'TV',
          client_uri: 'https://tv.example.com/',
          redirect_uris: ['https://tv.example.com/cb'],
          application_type: 'web',
        },
        quiet,
      );
      const oauth = new OAuth2(metadata as never, { clientId }, quiet);
      const session = await oauth.startDeviceAuthorizationGrant();
      assert.match(session.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      assert.ok(session.verification_uri_complete);

      const browser = new FormBrowser(server.base);
      // verification_uri_complete carries the code: the browser posts it on by itself (form_post).
      let page = await browser.get(session.verification_uri_complete!);
      page = await browser.submit(page, {});
      assert.match(page.html, /Sign in this device\?/);
      assert.match(page.html, new RegExp(session.user_code));
      page = await browser.submit(page, {});
      page = await signIn(browser, page);
      assert.match(page.html, /The device is signed in/);

      const result = await oauth.waitForDeviceAuthorizationGrant(session);
      assert.ok('access_token' in result, JSON.stringify(result));
      const introspected = await introspect(server, result.access_token);
      assert.equal(introspected.username, 'bob');
      assert.equal(introspected.device_id, oauth.context.deviceId);
    });
  });
}
