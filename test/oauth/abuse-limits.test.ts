import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { ManualClock } from '../../src/domain/clock.js';
import { sweepExpired } from '../../src/jobs/sweep.js';
import { sha256 } from '../../src/oauth/adapter.js';
import { newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

/*
 * Issue 12, items 5, 10 and 11: anonymous registration and the device grant are limited per client
 * address, registered metadata is bounded, clients nobody signed in with are swept, device polling is
 * paced (RFC 8628 interval / slow_down), and client_uri cannot be a public suffix.
 *
 * The clock is a ManualClock that moves only when told: limits refill and polls age only when the test
 * says so, never by how fast the machine runs.
 */

const HOUR = 3_600_000;
const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

for (const kind of DATABASE_KINDS) {
  describe(`registration and device-grant limits [${kind}]`, () => {
    let server: RunningMxauth;
    const clock = new ManualClock(Date.now());
    // Each test registers from its own address (the loopback proxy is trusted): limits stay apart.
    let nextAddress = 1;
    const address = () => `203.0.113.${nextAddress++}`;

    before(async () => {
      server = await startMxauth(
        kind,
        {
          rate_limiting: {
            client_registration: { per_ip: { burst: 3, per_second: 1 / 600 } },
            device_authorization: { per_ip: { burst: 3, per_second: 1 / 600 } },
            device_user_code: { per_ip: { burst: 2, per_second: 1 / 600 } },
          },
        },
        { mxauth: { clock } },
      );
      assert.ok((await server.mxauth.users.register({ localpart: 'frank', password: PASSWORD })).ok);
    });
    after(() => server.close());

    const register = (metadata: Record<string, unknown>, from = address()) =>
      fetch(new URL('oauth2/registration', server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
        body: JSON.stringify({
          client_uri: 'https://app.example.com/',
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
          ...metadata,
        }),
      });
    const registered = async (metadata: Record<string, unknown> = {}) => {
      const response = await register(metadata);
      assert.equal(response.status, 201, await response.clone().text());
      return ((await response.json()) as { client_id: string }).client_id;
    };

    test('registrations from one address past the limit get 429 with Retry-After', async () => {
      const from = address();
      for (let i = 0; i < 3; i++) assert.equal((await register({}, from)).status, 201);
      const refused = await register({}, from);
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal(refused.headers.get('access-control-allow-origin'), '*');
      const body = (await refused.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'temporarily_unavailable');
      assert.match(body.error_description, /too many client registrations/);
      // Another address is not held up.
      assert.equal((await register({})).status, 201);
      // The bucket refills.
      clock.advance(600_000);
      assert.equal((await register({}, from)).status, 201);
    });

    test('oversized metadata is refused with invalid_client_metadata', async () => {
      const long = (n: number) => 'x'.repeat(n);
      const cases: [string, Record<string, unknown>][] = [
        ['client_name over 256 characters', { client_name: long(257) }],
        ['a localized client_name over 256 characters', { 'client_name#fr': long(257) }],
        ['a URI over 2048 characters', { logo_uri: `https://app.example.com/${long(2048)}` }],
        [
          'more than 20 redirect URIs',
          { redirect_uris: Array.from({ length: 21 }, (_, i) => `${REDIRECT}${i}`) },
        ],
        [
          'more than 20 localized keys',
          Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`client_name#x${i}`, 'App'])),
        ],
        ['a body over 16 KiB', { contacts: Array.from({ length: 9 }, () => `${long(1900)}@example.com`) }],
      ];
      for (const [what, metadata] of cases) {
        const response = await register(metadata);
        assert.equal(response.status, 400, what);
        assert.equal(((await response.json()) as { error: string }).error, 'invalid_client_metadata', what);
      }
      // At the limits, accepted.
      assert.equal(
        (await register({ client_name: long(256), redirect_uris: Array(20).fill(REDIRECT) })).status,
        201,
      );
    });

    test('client_uri on a public suffix is refused', async () => {
      for (const site of ['https://com/', 'https://co.uk/', 'https://github.io/', 'https://COM./']) {
        const host = new URL(site).hostname.replace(/\.$/, '');
        const response = await register({
          client_uri: site,
          redirect_uris: [`https://evil.${host}/cb`],
        });
        assert.equal(response.status, 400, site);
        const body = (await response.json()) as { error: string; error_description: string };
        assert.equal(body.error, 'invalid_client_metadata', site);
        assert.match(body.error_description, /public suffix/, site);
      }
      // A site of its own under such a suffix is fine, and so is localhost for development.
      assert.equal(
        (await register({ client_uri: 'https://me.github.io/', redirect_uris: ['https://me.github.io/cb'] }))
          .status,
        201,
      );
      assert.equal(
        (await register({ client_uri: 'https://localhost/', redirect_uris: ['https://localhost/cb'] }))
          .status,
        201,
      );
    });

    test('a client nobody signed in with is swept after a day; a used one stays', async () => {
      const unused = await registered({ client_name: 'Unused', 'client_name#fr': 'Inutilisé' });
      const used = await registered({ grant_types: ['authorization_code', 'refresh_token'] });
      await signIn(used);
      const { storage } = server.mxauth.services;
      const stored = async (clientId: string) =>
        (await storage.oauthRecords.find('Client', sha256(clientId))) !== undefined;
      clock.advance(23 * HOUR);
      await sweepExpired(storage);
      assert.ok(await stored(unused), 'a day has not passed: still there');
      clock.advance(2 * HOUR);
      assert.ok((await sweepExpired(storage)) >= 1);
      assert.ok(await stored(used), 'someone signed in with it: kept');
      assert.ok(!(await stored(unused)));
      // Looked up over HTTP only now (the engine caches clients it has read for a minute).
      assert.equal(await authorizeStatus(unused), 'unknown client');
      assert.deepEqual(
        await server.mxauth.services.storage.clientLocalizations.list(unused),
        [],
        'its translations went with it',
      );
    });

    test('the device authorization response has interval 5; polling faster gets slow_down', async () => {
      const clientId = await registered({ grant_types: [DEVICE_GRANT, 'refresh_token'] });
      const started = await startDevice(clientId);
      assert.equal(started.status, 200);
      const body = (await started.json()) as { device_code: string; interval: number };
      assert.equal(body.interval, 5);
      const poll = async () => {
        const response = await fetch(new URL('oauth2/token', server.base), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: DEVICE_GRANT,
            device_code: body.device_code,
            client_id: clientId,
          }),
        });
        assert.equal(response.status, 400);
        return ((await response.json()) as { error: string }).error;
      };
      assert.equal(await poll(), 'authorization_pending');
      assert.equal(await poll(), 'slow_down', 'no time passed');
      // The interval is now 10 s (RFC 8628 §3.5: 5 s more for this and every later request).
      clock.advance(6_000);
      assert.equal(await poll(), 'slow_down', '6 s is less than 10 s');
      clock.advance(15_000);
      assert.equal(await poll(), 'authorization_pending', 'waited past the 15 s interval');
    });

    test('device authorizations from one address past the limit get 429', async () => {
      const clientId = await registered({ grant_types: [DEVICE_GRANT] });
      const from = address();
      for (let i = 0; i < 3; i++) assert.equal((await startDevice(clientId, from)).status, 200);
      const refused = await startDevice(clientId, from);
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal(((await refused.json()) as { error: string }).error, 'temporarily_unavailable');
      assert.equal((await startDevice(clientId)).status, 200, 'another address');
    });

    test('wrong codes on /link are limited per address, then a page says to try later', async () => {
      const clientId = await registered({ grant_types: [DEVICE_GRANT] });
      const started = (await (await startDevice(clientId)).json()) as { user_code: string };
      const from = address();
      const browser = newBrowser(server.base, { 'x-forwarded-for': from });
      let page = await browser.get(new URL('link', server.base).href);
      for (let i = 0; i < 2; i++) {
        page = await browser.submit(page, { user_code: 'BCDF-GHJK' });
        assert.equal(page.status, 200);
        assert.match(page.html, /This code is wrong or has expired/);
      }
      page = await browser.submit(page, { user_code: started.user_code });
      assert.equal(page.status, 429, 'even the right code waits: the address ran out of guesses');
      assert.match(page.html, /Too many attempts/);
      assert.ok(Number(page.headers.get('retry-after')) >= 1);
      // Another address types the right code in.
      const other = newBrowser(server.base, { 'x-forwarded-for': address() });
      page = await other.get(new URL('link', server.base).href);
      page = await other.submit(page, { user_code: started.user_code });
      assert.match(page.html, /Sign in this device\?/);
    });

    function startDevice(clientId: string, from = address()) {
      return fetch(new URL('oauth2/device', server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
        body: new URLSearchParams({ client_id: clientId, scope: 'urn:matrix:client:api:*' }),
      });
    }

    /** What /authorize does with the client: the sign-in page, or an error for a client it does not know. */
    async function authorizeStatus(clientId: string): Promise<'sign-in' | 'unknown client'> {
      // Never read before by the engine, so not in its client cache.
      const url = new URL('authorize', server.base);
      url.search = new URLSearchParams({
        client_id: clientId,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
      }).toString();
      const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
      if (response.status === 303 || response.status === 302) return 'sign-in';
      assert.equal(response.status, 400);
      assert.match(await response.text(), /invalid_client/);
      return 'unknown client';
    }

    async function signIn(clientId: string): Promise<void> {
      const config = new oidc.Configuration(
        (
          await oidc.discovery(new URL(server.base), clientId, undefined, oidc.None(), {
            execute: [oidc.allowInsecureRequests],
          })
        ).serverMetadata(),
        clientId,
        undefined,
        oidc.None(),
      );
      oidc.allowInsecureRequests(config);
      const verifier = randomBytes(32).toString('base64url');
      const browser = newBrowser(server.base);
      let page = await browser.get(
        oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT,
          scope: 'urn:matrix:client:api:*',
          state: 's',
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
        }).href,
      );
      page = await browser.submit(page, { username: 'frank', password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      await oidc.authorizationCodeGrant(config, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 's',
      });
    }
  });
}
