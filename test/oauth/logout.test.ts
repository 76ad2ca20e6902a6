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
      const tokens = await signIn(browser, 'LOGOUTTEST');

      const logout = oidc.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: AFTER_LOGOUT,
        state: 'bye',
      });
      let page = await browser.get(logout.href);
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

    // A client_id alone proves nothing: anyone can register a client whose logout URI is on its own site.
    test('a signed-out browser with only client_id is asked before it is sent to the client', async () => {
      const browser = new FormBrowser(server.base);
      const logout = new URL(`${server.base}oauth2/logout`);
      logout.search = new URLSearchParams({
        client_id: config.clientMetadata().client_id,
        post_logout_redirect_uri: AFTER_LOGOUT,
        state: 'bye',
      }).toString();
      let page = await browser.get(logout.href);
      assert.equal(page.status, 200);
      assert.equal(page.external, false);
      assert.doesNotMatch(page.html, /<script/, 'the page must not submit itself');
      assert.match(page.html, /<h1>Continue to app\.example\.com\?<\/h1>/);
      assert.match(
        page.html,
        /<button type="submit" form="op\.logoutForm">Continue to app\.example\.com<\/button>/,
      );
      page = await browser.submit(page, {});
      assert.ok(page.external, 'the click sends the browser on');
      assert.equal(page.url, `${AFTER_LOGOUT}?state=bye`);
    });

    test('a signed-out browser with a valid id_token_hint goes straight back to the client', async () => {
      const browser = new FormBrowser(server.base);
      const tokens = await signIn(browser, 'LOGOUTHINT');
      let page = await browser.get(
        oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, state: 'x' }).href,
      );
      page = await browser.submit(page, { logout: 'yes' });
      assert.equal(page.url, `${server.base}oauth2/logout/success`);
      // Signed out now; the client asks again, as it would after a lost response.
      page = await browser.get(
        oidc.buildEndSessionUrl(config, {
          id_token_hint: tokens.id_token!,
          post_logout_redirect_uri: AFTER_LOGOUT,
          state: 'again',
        }).href,
      );
      assert.doesNotMatch(page.html, /Continue to app\.example\.com/);
      page = await browser.submit(page, {});
      assert.ok(page.external);
      assert.equal(page.url, `${AFTER_LOGOUT}?state=again`);
    });

    test('a forged id_token_hint is refused, not trusted for the redirect', async () => {
      const browser = new FormBrowser(server.base);
      const tokens = await signIn(browser, 'LOGOUTFORGED');
      const [header, payload] = tokens.id_token!.split('.');
      const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
      const page = await browser.get(
        oidc.buildEndSessionUrl(config, { id_token_hint: forged, post_logout_redirect_uri: AFTER_LOGOUT })
          .href,
      );
      assert.equal(page.external, false);
      assert.equal(page.status, 400);
    });

    test('a signed-in browser with only client_id is asked, and told where it goes next', async () => {
      const browser = new FormBrowser(server.base);
      await signIn(browser, 'LOGOUTCLIENTID');
      const logout = new URL(`${server.base}oauth2/logout`);
      logout.search = new URLSearchParams({
        client_id: config.clientMetadata().client_id,
        post_logout_redirect_uri: AFTER_LOGOUT,
      }).toString();
      let page = await browser.get(logout.href);
      assert.match(page.html, /<h1>Sign out\?<\/h1>/);
      assert.match(page.html, /Then you continue to app\.example\.com\./);
      page = await browser.submit(page, { logout: 'yes' });
      assert.equal(page.url, AFTER_LOGOUT);
    });

    test('registration refuses logout URIs off the client_uri site or without https', async () => {
      for (const uri of [
        'https://elsewhere.example/out',
        'http://app.example.com/out',
        'https://app.example.com.evil.example/',
      ]) {
        const response = await fetch(`${server.base}oauth2/registration`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            client_uri: 'https://app.example.com/',
            redirect_uris: [REDIRECT],
            post_logout_redirect_uris: [uri],
            token_endpoint_auth_method: 'none',
          }),
        });
        assert.equal(response.status, 400, uri);
        assert.equal(((await response.json()) as { error: string }).error, 'invalid_client_metadata');
      }
    });

    async function signIn(browser: FormBrowser, device: string) {
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      let page = await browser.get(
        oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT,
          scope: `openid urn:matrix:client:api:* urn:matrix:client:device:${device}`,
          state: 's',
          nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        }).href,
      );
      page = await browser.submit(page, { username: 'dana', password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      return oidc.authorizationCodeGrant(config, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 's',
        expectedNonce: nonce,
      });
    }
  });
}
