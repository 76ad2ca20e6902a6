import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { introspect, type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

// Concurrent refreshes of one refresh token (a client sending twice, two tabs) must all succeed and
// leave one chain: never invalid_grant (which Matrix clients take as a sign-out), never two live tokens.

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';
const CONCURRENT = 16;
const ROUNDS: Record<string, number> = { postgres: 50, sqlite: 10 };

for (const kind of DATABASE_KINDS) {
  describe(`concurrent refreshes [${kind}]`, () => {
    let server: RunningMxauth;
    let client: oidc.Configuration;

    before(async () => {
      server = await startMxauth(kind);
      assert.ok((await server.mxauth.users.register({ localpart: 'cora', password: PASSWORD })).ok);
      client = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'] });
    });
    after(() => server.close());

    async function signIn(device: string) {
      const verifier = randomBytes(32).toString('base64url');
      const browser = newBrowser(server.base);
      let page = await browser.get(
        oidc.buildAuthorizationUrl(client, {
          redirect_uri: REDIRECT,
          scope: `openid urn:matrix:client:api:* urn:matrix:client:device:${device}`,
          state: 's',
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
        }).href,
      );
      page = await browser.submit(page, { username: 'cora', password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      return oidc.authorizationCodeGrant(client, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 's',
      });
    }

    /** A refresh as a client sends it; the raw answer. */
    const refresh = async (refreshToken: string) => {
      const response = await fetch(new URL('oauth2/token', server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: client.clientMetadata().client_id,
        }),
      });
      return {
        status: response.status,
        body: (await response.json()) as { access_token?: string; refresh_token?: string; error?: string },
      };
    };

    test(`${CONCURRENT} concurrent refreshes of one token all succeed, one chain survives`, async () => {
      let current = (await signIn('CONCUR0001')).refresh_token!;
      for (let round = 0; round < ROUNDS[kind]!; round++) {
        const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => refresh(current)));
        for (const answer of answers)
          assert.equal(answer.status, 200, `round ${round}: ${JSON.stringify(answer.body)}`);
        // Exactly one answer's access token is still active: the surviving chain's.
        const active = [];
        for (const answer of answers)
          if ((await introspect(server, answer.body.access_token!)).active === true) active.push(answer);
        assert.equal(active.length, 1, `round ${round}: ${active.length} answers still active`);
        current = active[0]!.body.refresh_token!;
      }
      // The surviving refresh token works.
      const last = await refresh(current);
      assert.equal(last.status, 200);
      assert.equal((await introspect(server, last.body.access_token!)).active, true);
    });

    test("a lost-response retry retires the superseded answer's access token", async () => {
      const tokens = await signIn('RETRY00001');
      const lost = await refresh(tokens.refresh_token!);
      assert.equal(lost.status, 200);
      const retried = await refresh(tokens.refresh_token!);
      assert.equal(retried.status, 200);
      assert.equal((await introspect(server, lost.body.access_token!)).active, false);
      assert.equal((await introspect(server, retried.body.access_token!)).active, true);
      assert.equal((await refresh(retried.body.refresh_token!)).status, 200);
    });
  });
}
