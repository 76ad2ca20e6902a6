import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { FormBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { HOMESERVER_SECRET, type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

/*
 * What a client sees when something is wrong: each test asserts the status, the OAuth `error` and, for
 * the HTML pages, that the browser was not sent anywhere.
 */

const PASSWORD = 'correct horse battery staple';
const CLIENT_URI = 'https://app.example.com/';
const REDIRECT = 'https://app.example.com/callback';
const API = 'urn:matrix:client:api:*';
const WRONG_PASSWORD_TEXT = 'The username or password is wrong.';
const RATE_LIMITED_TEXT = 'Too many attempts. Wait a moment and try again.';
const insecure = { execute: [oidc.allowInsecureRequests] };

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One HTTP request, redirects not followed; a body that is not JSON is kept under `unparsed`. */
async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { unparsed: text };
  }
  return { status: response.status, headers: response.headers, body };
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

const json = (value: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

/** Asserts an OAuth error response: the status, a JSON body, and its `error`. */
function assertOAuthError(reply: Reply, status: number, error: string): void {
  assert.equal(
    reply.status,
    status,
    `expected ${status} ${error}, got ${reply.status} ${JSON.stringify(reply.body)}`,
  );
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(reply.body.error, error, JSON.stringify(reply.body));
}

/** The client's view of an authorization response that went back to it. */
function assertRedirectedWithError(page: Page, error: string, state: string): URL {
  assert.ok(page.external, `expected a redirect to the client, got ${page.status} ${page.url}\n${page.html}`);
  const callback = new URL(page.url);
  assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT);
  assert.equal(
    callback.searchParams.get('error'),
    error,
    callback.searchParams.get('error_description') ?? '',
  );
  assert.equal(callback.searchParams.get('state'), state);
  assert.equal(callback.searchParams.get('code'), null);
  return callback;
}

/**
 * A client address of its own for every browser: the sign-in limiter counts attempts per address, and
 * X-Forwarded-For is believed from loopback (a trusted proxy by default).
 */
let addresses = 0;
function newBrowser(base: string): FormBrowser {
  addresses++;
  return new FormBrowser(base, {
    'x-forwarded-for': `198.51.${100 + Math.floor(addresses / 250)}.${(addresses % 250) + 1}`,
  });
}

for (const kind of DATABASE_KINDS) {
  describe(`what clients see when things go wrong [${kind}]`, () => {
    let server: RunningMxauth;
    let config: oidc.Configuration;
    let url: (path: string) => string;

    before(async () => {
      server = await startMxauth(kind);
      url = (path) => new URL(path, server.base).href;
      assert.ok((await server.mxauth.users.register({ localpart: 'alice', password: PASSWORD })).ok);
      const registered = await send(
        url('oauth2/registration'),
        json({
          client_name: 'Test client',
          client_uri: CLIENT_URI,
          redirect_uris: [REDIRECT],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        }),
      );
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      config = await oidc.discovery(
        new URL(server.base),
        String(registered.body.client_id),
        undefined,
        oidc.None(),
        insecure,
      );
    });
    after(() => server.close());

    const clientId = () => config.clientMetadata().client_id;

    /** An authorization request with PKCE, a state and the registered redirect URI; `extra` overrides. */
    async function authorizationRequest(extra: Record<string, string> = {}) {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const href = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: `openid ${API}`,
        state,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        ...extra,
      }).href;
      return { href, verifier, state };
    }

    /** Signs alice in and consents in a fresh browser; returns what the client needs for the code exchange. */
    async function authorizationCode(scope = `openid ${API}`) {
      const request = await authorizationRequest({ scope });
      const browser = newBrowser(server.base);
      let page = await browser.get(request.href);
      page = await browser.submit(page, { username: 'alice', password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      assert.ok(page.external, `expected a redirect to the client, got ${page.status} ${page.url}`);
      return { callback: new URL(page.url), verifier: request.verifier, state: request.state };
    }

    async function tokens() {
      const { callback, verifier, state } = await authorizationCode();
      return oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
    }

    async function introspect(token: string, init: RequestInit = {}) {
      return send(url('oauth2/introspect'), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${HOMESERVER_SECRET}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }).toString(),
        ...init,
      });
    }

    test('1. an unregistered redirect_uri gets an error page, never a redirect to it', async () => {
      const { href } = await authorizationRequest({ redirect_uri: 'https://attacker.example.net/callback' });
      const response = await fetch(href, { redirect: 'manual' });
      const html = await response.text();
      assert.equal(response.status, 400);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(response.headers.get('location'), null);
      assert.match(html, /redirect_uri/);
    });

    test('2. a wrong or missing PKCE code_verifier fails the code exchange', async () => {
      const wrong = await authorizationCode();
      await assert.rejects(
        oidc.authorizationCodeGrant(config, wrong.callback, {
          pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
          expectedState: wrong.state,
        }),
        { status: 400, error: 'invalid_grant' },
      );

      const missing = await authorizationCode();
      const reply = await send(
        url('oauth2/token'),
        form({
          grant_type: 'authorization_code',
          code: missing.callback.searchParams.get('code')!,
          redirect_uri: REDIRECT,
          client_id: clientId(),
        }),
      );
      assert.ok(['invalid_grant', 'invalid_request'].includes(String(reply.body.error)));
      assertOAuthError(reply, 400, 'invalid_grant');
    });

    test('3. a public client must use PKCE', async () => {
      const state = oidc.randomState();
      const href = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: `openid ${API}`,
        state,
      });
      const page = await newBrowser(server.base).get(href.href);
      assertRedirectedWithError(page, 'invalid_request', state);
    });

    test('4. a replayed authorization code fails and revokes the tokens it gave', async () => {
      const { callback, verifier, state } = await authorizationCode();
      const first = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      assert.equal((await introspect(first.access_token)).body.active, true);
      const sub = first.claims()!.sub;
      assert.equal((await server.mxauth.sessions.listForUser(sub)).length, 1);

      await assert.rejects(
        oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }),
        { status: 400, error: 'invalid_grant' },
      );
      assert.deepEqual((await introspect(first.access_token)).body, { active: false });
      await assert.rejects(oidc.refreshTokenGrant(config, first.refresh_token!), {
        status: 400,
        error: 'invalid_grant',
      });
      assert.deepEqual(await server.mxauth.sessions.listForUser(sub), [], 'the device session ended');
    });

    test('5. presenting a rotated refresh token again ends the whole session', async () => {
      const initial = await tokens();
      const sub = initial.claims()!.sub;
      const second = await oidc.refreshTokenGrant(config, initial.refresh_token!);
      assert.notEqual(second.refresh_token, initial.refresh_token);
      // The newer token has been used too, so the first one can only be a reuse (no grace window applies).
      const newest = await oidc.refreshTokenGrant(config, second.refresh_token!);
      assert.equal((await introspect(newest.access_token)).body.active, true);

      await assert.rejects(oidc.refreshTokenGrant(config, initial.refresh_token!), {
        status: 400,
        error: 'invalid_grant',
      });
      assert.deepEqual((await introspect(newest.access_token)).body, { active: false });
      await assert.rejects(oidc.refreshTokenGrant(config, newest.refresh_token!), {
        status: 400,
        error: 'invalid_grant',
      });
      assert.deepEqual(await server.mxauth.sessions.listForUser(sub), [], 'the device session ended');
    });

    describe('6. invalid Matrix scopes go back to the client as invalid_scope', () => {
      const cases: Record<string, string> = {
        'two devices': `${API} urn:matrix:client:device:AAAAAAAAAA urn:matrix:client:device:BBBBBBBBBB`,
        'stable and unstable mixed': `${API} urn:matrix:org.matrix.msc2967.client:device:AAAAAAAAAA`,
        'a quote in the device id': `${API} urn:matrix:client:device:AB"CD`,
      };
      for (const [name, scope] of Object.entries(cases)) {
        test(name, async () => {
          const { href, state } = await authorizationRequest({ scope: `openid ${scope}` });
          if (scope.includes('"')) assert.match(href, /device%3AAB%22CD/, 'sent URL-encoded');
          assertRedirectedWithError(await newBrowser(server.base).get(href), 'invalid_scope', state);
        });
      }
    });

    describe('7. client registration', () => {
      const valid = {
        client_name: 'Another client',
        client_uri: CLIENT_URI,
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      };
      const rejected: [string, Record<string, unknown>, string][] = [
        [
          'redirect_uris on another host than client_uri',
          { ...valid, redirect_uris: ['https://other.example.net/callback'] },
          'invalid_redirect_uri',
        ],
        [
          'a native loopback redirect URI with a port',
          { ...valid, application_type: 'native', redirect_uris: ['http://localhost:1234/cb'] },
          'invalid_redirect_uri',
        ],
        [
          'a native private-use redirect URI with an authority',
          { ...valid, application_type: 'native', redirect_uris: ['com.example.app://cb'] },
          'invalid_redirect_uri',
        ],
        [
          'no client_uri',
          { client_name: 'Another client', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' },
          'invalid_client_metadata',
        ],
        [
          'logo_uri on another host',
          { ...valid, logo_uri: 'https://cdn.example.net/logo.png' },
          'invalid_client_metadata',
        ],
        [
          'a client secret',
          { ...valid, token_endpoint_auth_method: 'client_secret_basic' },
          'invalid_client_metadata',
        ],
      ];
      for (const [name, metadata, error] of rejected) {
        test(`${name} → ${error}`, async () => {
          assertOAuthError(await send(url('oauth2/registration'), json(metadata)), 400, error);
        });
      }

      test('a body that is not JSON → invalid_client_metadata', async () => {
        const reply = await send(url('oauth2/registration'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"client_name": "unfinished',
        });
        assertOAuthError(reply, 400, 'invalid_client_metadata');
      });

      test('CORS preflight', async () => {
        const response = await fetch(url('oauth2/registration'), {
          method: 'OPTIONS',
          headers: {
            origin: 'https://app.example.com',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        });
        assert.equal(response.status, 204);
        assert.equal(response.headers.get('access-control-allow-origin'), '*');
      });

      test('a successful registration is readable cross-origin and echoes localized names', async () => {
        const reply = await send(url('oauth2/registration'), {
          ...json({ ...valid, 'client_name#fr': 'Un autre client' }),
          headers: { 'content-type': 'application/json', origin: 'https://app.example.com' },
        });
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        assert.equal(reply.headers.get('access-control-allow-origin'), '*');
        assert.equal(typeof reply.body.client_id, 'string');
        assert.equal(reply.body['client_name#fr'], 'Un autre client');
      });
    });

    describe('8. introspection', () => {
      test('a revoked token is inactive', async () => {
        const issued = await tokens();
        assert.equal((await introspect(issued.access_token)).body.active, true);
        await oidc.tokenRevocation(config, issued.access_token);
        const reply = await introspect(issued.access_token);
        assert.equal(reply.status, 200);
        assert.deepEqual(reply.body, { active: false });
      });

      test('an unknown token is inactive', async () => {
        const reply = await introspect('not-a-token-mxauth-ever-issued');
        assert.equal(reply.status, 200);
        assert.deepEqual(reply.body, { active: false });
      });

      test('no Authorization header → 401 invalid_client', async () => {
        const reply = await send(url('oauth2/introspect'), form({ token: 'whatever' }));
        assertOAuthError(reply, 401, 'invalid_client');
      });

      test('a JSON body → 400 invalid_request', async () => {
        const reply = await introspect('', {
          headers: { authorization: `Bearer ${HOMESERVER_SECRET}`, 'content-type': 'application/json' },
          body: JSON.stringify({ token: 'whatever' }),
        });
        assertOAuthError(reply, 400, 'invalid_request');
      });

      test('no token parameter → 400 invalid_request', async () => {
        const reply = await introspect('', {
          body: new URLSearchParams({ token_type_hint: 'access_token' }),
        });
        assertOAuthError(reply, 400, 'invalid_request');
      });
    });

    describe('9. malformed token and revocation requests are 400s, never 500s', () => {
      const urlencoded = { 'content-type': 'application/x-www-form-urlencoded' };

      test('a garbage urlencoded body', async () => {
        for (const body of [
          '%%%&&=%zz&grant_type&=&\u0000',
          `client_id=${clientId()}&%%%&&=%zz&grant_type&=&\u0000`,
        ]) {
          const reply = await send(url('oauth2/token'), { method: 'POST', headers: urlencoded, body });
          assertOAuthError(reply, 400, 'invalid_request');
        }
      });

      test('a JSON body', async () => {
        const reply = await send(
          url('oauth2/token'),
          json({ grant_type: 'authorization_code', code: 'x', client_id: clientId() }),
        );
        assertOAuthError(reply, 400, 'invalid_request');
      });

      test('an empty body', async () => {
        const reply = await send(url('oauth2/token'), { method: 'POST', headers: urlencoded, body: '' });
        assertOAuthError(reply, 400, 'invalid_request');
      });

      test('an unknown grant_type', async () => {
        const reply = await send(
          url('oauth2/token'),
          form({ grant_type: 'urn:example:unknown', client_id: clientId() }),
        );
        assertOAuthError(reply, 400, 'unsupported_grant_type');
      });

      test('revocation without a token', async () => {
        const reply = await send(url('oauth2/revoke'), form({ client_id: clientId() }));
        assertOAuthError(reply, 400, 'invalid_request');
      });
    });

    test('10. prompt=none without a browser session → login_required', async () => {
      const { href, state } = await authorizationRequest({ prompt: 'none' });
      assertRedirectedWithError(await newBrowser(server.base).get(href), 'login_required', state);
    });

    test('11. login_hint prefills the username for this server only', async () => {
      const usernameField = (page: Page) => /<input\b[^>]*\bname="username"[^>]*>/.exec(page.html)?.[0] ?? '';

      const hinted = await newBrowser(server.base).get(
        (await authorizationRequest({ login_hint: 'mxid:@alice:example.test' })).href,
      );
      assert.equal(hinted.status, 200);
      assert.match(usernameField(hinted), /value="alice"/);

      const elsewhere = await newBrowser(server.base).get(
        (await authorizationRequest({ login_hint: 'mxid:@alice:elsewhere.test' })).href,
      );
      assert.equal(elsewhere.status, 200);
      assert.match(usernameField(elsewhere), /value=""/);
      assert.doesNotMatch(elsewhere.html, /alice/);
    });

    describe('12. sign-in failures', () => {
      test('a wrong password shows the login page again with an error, status 401', async () => {
        const browser = newBrowser(server.base);
        const login = await browser.get((await authorizationRequest()).href);
        const page = await browser.submit(login, { username: 'alice', password: 'wrong password' });
        assert.equal(page.status, 401);
        assert.equal(page.external, false);
        assert.match(page.url, /\/interaction\/[^/]+\/login$/, 'answered where the form was posted');
        assert.ok(page.html.includes(WRONG_PASSWORD_TEXT), page.html);
        assert.match(page.html, /name="password"/);
      });

      test('the fourth attempt from one address within seconds is rate limited (429)', async () => {
        const browser = newBrowser(server.base);
        let page = await browser.get((await authorizationRequest()).href);
        for (let attempt = 1; attempt <= 3; attempt++) {
          page = await browser.submit(page, { username: 'alice', password: `wrong ${attempt}` });
          assert.equal(page.status, 401, `attempt ${attempt}`);
        }
        // Even the right password is refused now: the limit is on attempts, not on failures.
        page = await browser.submit(page, { username: 'alice', password: PASSWORD });
        assert.equal(page.status, 429);
        assert.equal(page.external, false);
        assert.ok(page.html.includes(RATE_LIMITED_TEXT), page.html);

        // Another address is not affected.
        const other = newBrowser(server.base);
        const fresh = await other.get((await authorizationRequest()).href);
        assert.equal((await other.submit(fresh, { username: 'alice', password: 'wrong' })).status, 401);
      });
    });
  });
}
