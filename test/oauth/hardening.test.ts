import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { ManualClock } from '../../src/domain/clock.js';
import { newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { introspect, type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';
const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

for (const kind of DATABASE_KINDS) {
  describe(`hardening [${kind}]`, () => {
    let server: RunningMxauth;
    let config: oidc.Configuration;
    // Moves only when told: a retry a minute later is a lost response, not a repeat (refresh-turns.ts).
    const clock = new ManualClock(Date.now());

    before(async () => {
      server = await startMxauth(kind, {}, { mxauth: { clock } });
      assert.ok(
        (await server.mxauth.users.register({ localpart: 'erin', password: PASSWORD, canRequestAdmin: true }))
          .ok,
      );
      config = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'] });
    });
    after(() => server.close());

    /** Signs erin in with the test client; returns the tokens. */
    async function signIn(scope: string) {
      const browser = newBrowser(server.base);
      const { verifier, challenge } = pkce();
      let page = await browser.get(
        oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT,
          scope,
          state: 's',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }).href,
      );
      page = await browser.submit(page, { username: 'erin', password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      return oidc.authorizationCodeGrant(config, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 's',
      });
    }

    test('concurrent introspections are each answered for their own token (one batched query)', async () => {
      const api = 'urn:matrix:client:api:*';
      const [a, b, c] = await Promise.all(
        ['BATCHA', 'BATCHB', 'BATCHC'].map((d) => signIn(`${api} urn:matrix:client:device:${d}`)),
      );
      await oidc.tokenRevocation(config, b!.access_token);
      const asked = [a!, b!, c!].flatMap((t, i) =>
        Array.from({ length: 20 }, () => ({ token: t.access_token, i })),
      );
      for (let n = 0; n < 20; n++) asked.push({ token: `unknown-${n}`, i: -1 });
      asked.sort(() => Math.random() - 0.5);
      const answers = await Promise.all(asked.map(({ token }) => introspect(server, token)));
      answers.forEach((answer, n) => {
        const { i } = asked[n]!;
        if (i === 0 || i === 2) {
          assert.equal(answer.active, true);
          assert.equal(answer.device_id, i === 0 ? 'BATCHA' : 'BATCHC');
          assert.equal(answer.username, 'erin');
        } else assert.deepEqual(answer, { active: false }, 'revoked and unknown tokens are inactive');
      });
    });

    test("mxauth's own account client never gets Matrix or admin access", async () => {
      const browser = newBrowser(server.base);
      const { verifier, challenge } = pkce();
      const authorize = new URL('authorize', server.base);
      authorize.search = new URLSearchParams({
        client_id: 'mxauth-account',
        redirect_uri: new URL('account/callback', server.base).href,
        response_type: 'code',
        scope: 'openid urn:matrix:client:api:* urn:matrix:client:device:STOLEN0001',
        state: 'x',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString();
      let page = await browser.get(authorize.href);
      page = await browser.submit(page, { username: 'erin', password: PASSWORD });
      // The account client's callback is on mxauth itself: read the code off the URL it was sent to.
      const code = /[?&]code=([^&]+)/.exec(page.url)?.[1];
      assert.ok(code, page.url);
      const response = await fetch(new URL('oauth2/token', server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: decodeURIComponent(code),
          client_id: 'mxauth-account',
          redirect_uri: new URL('account/callback', server.base).href,
          code_verifier: verifier,
        }),
      });
      const tokens = (await response.json()) as { access_token?: string };
      if (tokens.access_token) {
        const body = await introspect(server, tokens.access_token);
        assert.doesNotMatch(String(body.scope ?? ''), /urn:matrix:client:api/);
      }

      const admin = newBrowser(server.base);
      authorize.searchParams.set('scope', 'openid urn:synapse:admin:*');
      page = await admin.get(authorize.href);
      page = await admin.submit(page, { username: 'erin', password: PASSWORD });
      assert.match(page.url, /error=access_denied/, 'even for a user allowed to request admin');
    });

    test('a replaced refresh token presented after a retry ends the session (a stolen token does not survive)', async () => {
      const first = await signIn('urn:matrix:client:api:* urn:matrix:client:device:RETRY00001');
      const rt1 = await oidc.refreshTokenGrant(config, first.refresh_token!);
      clock.advance(60_000);
      const retried = await oidc.refreshTokenGrant(config, first.refresh_token!);
      await assert.rejects(oidc.refreshTokenGrant(config, rt1.refresh_token!), { error: 'invalid_grant' });
      assert.deepEqual(await introspect(server, retried.access_token), { active: false });
    });

    test('the homeserver cannot use a refresh token as an access token', async () => {
      const tokens = await signIn('urn:matrix:client:api:* urn:matrix:client:device:REFRESH001');
      assert.deepEqual(await introspect(server, tokens.refresh_token!), { active: false });
      assert.equal((await introspect(server, tokens.access_token)).active, true);
    });

    test('userinfo refuses missing tokens (401) and tokens without openid (403), as RFC 6750 says', async () => {
      const tokens = await signIn('urn:matrix:client:api:* urn:matrix:client:device:NOOPENID01');
      const url = new URL('oauth2/userinfo', server.base);
      const missing = await fetch(url);
      assert.equal(missing.status, 401);
      assert.equal(missing.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
      const noOpenId = await fetch(url, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(noOpenId.status, 403);
      assert.equal(
        noOpenId.headers.get('www-authenticate'),
        'Bearer error="insufficient_scope", scope="openid"',
      );
      assert.equal(((await noOpenId.json()) as { error: string }).error, 'insufficient_scope');
    });

    test('admin rights taken away end the admin scope at introspection', async () => {
      const tokens = await signIn(
        'urn:matrix:client:api:* urn:matrix:client:device:ADMIN00001 urn:synapse:admin:*',
      );
      assert.match(String((await introspect(server, tokens.access_token)).scope), /urn:synapse:admin/);
      const erin = (await server.mxauth.users.list({ limit: 10 })).find(
        (u) => u.user.localpart === 'erin',
      )!.user;
      await server.mxauth.users.setCanRequestAdmin(erin.localpart, false);
      assert.doesNotMatch(String((await introspect(server, tokens.access_token)).scope), /urn:synapse:admin/);
      await server.mxauth.users.setCanRequestAdmin(erin.localpart, true);
    });

    test('a refresh marks the device as active on the account page', async () => {
      const tokens = await signIn('urn:matrix:client:api:* urn:matrix:client:device:ACTIVE0001');
      await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      const erin = (await server.mxauth.users.list({ limit: 10 })).find(
        (u) => u.user.localpart === 'erin',
      )!.user;
      const session = (await server.mxauth.sessions.listForUser(erin.id)).find(
        (s) => s.deviceId === 'ACTIVE0001',
      );
      assert.ok(session?.lastActiveAt);
    });

    test('the device code can be typed in on /link', async () => {
      const tv = await registerClient(server, {
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      });
      const clientId = tv.clientMetadata().client_id;
      const started = (await (
        await fetch(new URL('oauth2/device', server.base), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          // No device scope: one is generated, as for the authorization endpoint.
          body: new URLSearchParams({ client_id: clientId, scope: 'urn:matrix:client:api:*' }),
        })
      ).json()) as { device_code: string; user_code: string; verification_uri: string };
      const browser = newBrowser(server.base);
      let page = await browser.get(started.verification_uri);
      assert.equal((page.html.match(/name="user_code"/g) ?? []).length, 1, 'one code field');
      page = await browser.submit(page, { user_code: started.user_code.toLowerCase().replace('-', '') });
      assert.match(page.html, /Sign in this device\?/);
      page = await browser.submit(page, {});
      page = await browser.submit(page, { username: 'erin', password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      assert.match(page.html, /The device is signed in/);
      const token = (await (
        await fetch(new URL('oauth2/token', server.base), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
            device_code: started.device_code,
            client_id: clientId,
          }),
        })
      ).json()) as { access_token: string; scope: string };
      assert.match(token.scope, /urn:matrix:client:device:[A-Z0-9]{10}/);
      assert.match(String((await introspect(server, token.access_token)).device_id), /^[A-Z0-9]{10}$/);
    });

    test('dynamic registration refuses client_credentials (a public client could mint tokens)', async () => {
      const response = await fetch(new URL('oauth2/registration', server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_uri: 'https://app.example.com/',
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'none',
        }),
      });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_client_metadata');
    });
  });
}

test('device pages reached without their browser session answer 400 with a page, not 500', async () => {
  const server = await startMxauth('sqlite');
  try {
    for (const [method, path] of [
      ['GET', 'link/unknown-interaction'],
      ['POST', 'link'],
    ] as const) {
      const response = await fetch(new URL(path, server.base), {
        method,
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        body: method === 'POST' ? 'xsrf=forged&user_code=BCDF-GHJK' : undefined,
      });
      assert.equal(response.status, 400, `${method} /${path}`);
      assert.match(await response.text(), /Start again from the device/);
    }
  } finally {
    await server.close();
  }
});

test('with an https public_base (TLS at a proxy), pages set Secure cookies instead of failing', async () => {
  const server = await startMxauth('sqlite', {}, { scheme: 'https' });
  try {
    const response = await fetch(new URL('account/', server.base), { redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.match(response.headers.get('set-cookie') ?? '', /; secure/i);
  } finally {
    await server.close();
  }
});
