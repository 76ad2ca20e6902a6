import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { FormBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { HOMESERVER_SECRET, type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';
const AFTER_LOGOUT = 'https://app.example.com/signed-out';

for (const kind of DATABASE_KINDS) {
  describe(`RP-initiated logout [${kind}]`, () => {
    let server: RunningMxauth;
    let config: oidc.Configuration;

    before(async () => {
      server = await startMxauth(kind);
      assert.ok((await server.mxauth.users.register({ localpart: 'dana', password: PASSWORD })).ok);
      config = await oidc.dynamicClientRegistration(
        new URL(server.base),
        {
          client_uri: 'https://app.example.com/',
          redirect_uris: [REDIRECT],
          post_logout_redirect_uris: [AFTER_LOGOUT],
          token_endpoint_auth_method: 'none',
        },
        oidc.None(),
        { execute: [oidc.allowInsecureRequests] },
      );
    });
    after(() => server.close());

    test('ends the browser session at mxauth, asks first, and leaves the Matrix device signed in', async () => {
      const browser = new FormBrowser(server.base);
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      let page = await browser.get(
        oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT,
          scope: 'openid urn:matrix:client:api:* urn:matrix:client:device:LOGOUTTEST',
          state: 's',
          nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        }).href,
      );
      page = await browser.submit(page, { username: 'dana', password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 's',
        expectedNonce: nonce,
      });

      const logout = oidc.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: AFTER_LOGOUT,
        state: 'bye',
      });
      page = await browser.get(logout.href);
      assert.match(page.html, /<h1>Sign out\?<\/h1>/);
      page = await browser.submit(page, { logout: 'yes' });
      assert.ok(page.external);
      assert.equal(page.url, `${AFTER_LOGOUT}?state=bye`);

      const account = await browser.get('/account/');
      assert.match(account.html, /name="password"/, 'the browser has to sign in again');

      const introspected = await fetch(`${server.base}oauth2/introspect`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${HOMESERVER_SECRET}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token: tokens.access_token }),
      });
      assert.equal(
        ((await introspected.json()) as { active: boolean }).active,
        true,
        'the device outlives the browser session',
      );
    });
  });
}
