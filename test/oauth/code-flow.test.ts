import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { FormBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { HOMESERVER_SECRET, type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/callback';
const insecure = { execute: [oidc.allowInsecureRequests] };

async function introspect(base: string, token: string, secret = HOMESERVER_SECRET) {
  const response = await fetch(`${base}oauth2/introspect`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${secret}`,
      'content-type': 'application/x-www-form-urlencoded',
      'x-mas-supports-device-id': '1',
    },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

for (const kind of DATABASE_KINDS) {
  describe(`authorization code flow with openid-client [${kind}]`, () => {
    let server: RunningMxauth;
    let config: oidc.Configuration;

    before(async () => {
      // The real clock: the engine stamps a token's `exp` in real time, and introspection's `expires_in`
      // (asserted against the TTL below) reads mxauth's clock, which would lag behind while it stands still.
      server = await startMxauth(kind, {}, { clock: 'real' });
      const registered = await server.mxauth.users.register({
        localpart: 'alice',
        password: PASSWORD,
        email: 'alice@example.org',
      });
      assert.ok(registered.ok);
      config = await oidc.dynamicClientRegistration(
        new URL(server.base),
        {
          client_name: 'Test client',
          'client_name#de': 'Testprogramm',
          client_uri: 'https://app.example.com/',
          redirect_uris: [REDIRECT],
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'none',
        },
        oidc.None(),
        insecure,
      );
    });
    after(() => server.close());

    /** Runs the browser part: sign in and consent; returns the URL the client receives. */
    async function authorize(scope: string, extra: Record<string, string> = {}) {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        ...extra,
      });
      const browser = new FormBrowser(server.base, { 'accept-language': 'de' });
      let page: Page = await browser.get(url.href);
      assert.match(page.html, /Anmelden/, 'the login page speaks the browser language');
      assert.match(page.html, /Testprogramm/, 'and shows the client name in it');
      page = await browser.submit(page, { username: 'alice', password: PASSWORD });
      assert.match(page.html, /Zugriff erlauben\?/);
      assert.match(page.html, /@alice:example.test/);
      assert.match(page.html, /app\.example\.com/);
      page = await browser.submit(page, { decision: 'allow' });
      assert.ok(
        page.external,
        `expected a redirect to the client, got ${page.status} ${page.url}\n${page.html.slice(0, 500)}`,
      );
      return { callback: new URL(page.url), verifier, state, nonce, browser };
    }

    test('sign-in, consent, tokens, ID token, userinfo and introspection as Synapse does it', async () => {
      const scope = 'openid email urn:matrix:client:api:* urn:matrix:client:device:ABCDEFGHIJ';
      const { callback, verifier, state, nonce } = await authorize(scope);
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      assert.ok(tokens.refresh_token);
      assert.ok(tokens.expires_in && tokens.expires_in <= 300);
      const claims = tokens.claims();
      assert.ok(claims?.sub);

      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims!.sub);
      assert.equal(info.preferred_username, 'alice');
      assert.equal(info.email, 'alice@example.org');

      const { status, body } = await introspect(server.base, tokens.access_token);
      assert.equal(status, 200);
      assert.equal(body.active, true);
      assert.equal(body.username, 'alice');
      assert.equal(body.device_id, 'ABCDEFGHIJ');
      assert.equal(body.sub, claims!.sub);
      const scopes = String(body.scope).split(' ');
      for (const s of [
        'urn:matrix:client:api:*',
        'urn:matrix:org.matrix.msc2967.client:api:*',
        'urn:matrix:client:device:ABCDEFGHIJ',
        'urn:matrix:org.matrix.msc2967.client:device:ABCDEFGHIJ',
      ])
        assert.ok(scopes.includes(s), `${s} in ${body.scope}`);
      assert.ok(typeof body.expires_in === 'number' && body.expires_in > 0 && body.expires_in <= 300);

      const wrongSecret = await introspect(server.base, tokens.access_token, 'not-the-secret');
      assert.equal(wrongSecret.status, 401);
      assert.equal(wrongSecret.body.error, 'invalid_client');

      const active = await server.mxauth.sessions.listForUser(claims!.sub);
      assert.deepEqual(
        active.map((x) => [x.deviceId, x.clientId]),
        [['ABCDEFGHIJ', config.clientMetadata().client_id]],
      );

      // Refresh rotates both tokens; the old access token stays valid until it expires.
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
      assert.equal((await introspect(server.base, refreshed.access_token)).body.device_id, 'ABCDEFGHIJ');

      // Revoking the access token ends the whole device session.
      await oidc.tokenRevocation(config, refreshed.access_token);
      assert.deepEqual((await introspect(server.base, refreshed.access_token)).body, { active: false });
      await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token!), {
        error: 'invalid_grant',
      });
      const sessions = await server.mxauth.sessions.listForUser(claims!.sub);
      assert.deepEqual(sessions, [], 'the device session ended');
    });
  });
}
