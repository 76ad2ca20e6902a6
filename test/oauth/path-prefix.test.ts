import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { createLogger } from '../../src/observability/logger.js';
import { createMxauth, type Mxauth } from '../../src/server.js';
import { newBrowser, type Page } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { HOMESERVER_SECRET } from '../helpers/oauth-server.js';

/*
 * mxauth published under a path, public_base http://127.0.0.1:PORT/auth/, behind a reverse proxy on that
 * port. Two proxies, as operators configure them:
 * - `pass-through`: forwards every path unchanged (nginx `proxy_pass http://mxauth:8080;`); the listener
 *   serves under public_base's path by default.
 * - `stripping`: forwards /auth/… as /… and nothing else (nginx `location /auth/ { proxy_pass
 *   http://mxauth:8080/; }`); the listener is told `prefix: /`.
 * The proxy records every request a client or browser makes and every cookie mxauth sets.
 */

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/callback';
const insecure = { execute: [oidc.allowInsecureRequests] };

type Mode = 'pass-through' | 'stripping';

interface Proxy {
  origin: string;
  /** Paths (with query) of every request through the proxy. */
  paths: string[];
  /** Every Set-Cookie header mxauth sent. */
  cookies: string[];
  close(): Promise<void>;
}

async function startProxy(mode: Mode, upstreamPort: () => number): Promise<Proxy> {
  const paths: string[] = [];
  const cookies: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    paths.push(url);
    if (mode === 'stripping' && !url.startsWith('/auth/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found (proxy)');
      return;
    }
    const upstream = request(
      {
        host: '127.0.0.1',
        port: upstreamPort(),
        method: req.method,
        path: mode === 'stripping' ? url.slice('/auth'.length) : url,
        headers: req.headers,
      },
      (answer) => {
        cookies.push(...(answer.headers['set-cookie'] ?? []));
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    cookies,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Every link, form action and asset a page refers to, resolved against the page. */
function references(page: Page): string[] {
  return [...page.html.matchAll(/\b(?:href|action|src)="([^"]*)"/g)].map(
    (m) => new URL(m[1]!.replaceAll('&amp;', '&'), page.url).href,
  );
}

for (const kind of DATABASE_KINDS) {
  for (const mode of ['pass-through', 'stripping'] as const) {
    describe(`mxauth published under /auth/, ${mode} proxy [${kind}]`, () => {
      let database: TestDatabase;
      let mxauth: Mxauth;
      let proxy: Proxy;
      let base: string;
      let client: oidc.Configuration;

      /** Asserts a page and everything it links to lies under /auth/ (client URLs aside). */
      const assertUnderBase = (page: Page) => {
        assert.ok(page.url.startsWith(base), `${page.url} is under ${base}`);
        for (const url of references(page))
          assert.ok(url.startsWith(base), `${url} (on ${page.url}) is under ${base}`);
      };

      before(async () => {
        database = await createTestDatabase(kind);
        proxy = await startProxy(mode, () => mxauth.listening[0]!.port!);
        base = `${proxy.origin}/auth/`;
        mxauth = createMxauth(
          testConfig({
            http: {
              public_base: base,
              listeners: [
                {
                  binds: [{ host: '127.0.0.1', port: 0 }],
                  ...(mode === 'stripping' ? { prefix: '/' } : {}),
                },
              ],
            },
            database: { uri: database.uri },
            matrix: { kind: 'none', homeserver: 'example.test', secret: HOMESERVER_SECRET },
          }),
          { logger: createLogger('silent') },
        );
        await mxauth.start({ listen: true });
        assert.ok((await mxauth.users.register({ localpart: 'alice', password: PASSWORD })).ok);
        client = await oidc.dynamicClientRegistration(
          new URL(base),
          {
            client_name: 'Prefixed app',
            client_uri: 'https://app.example.com/',
            redirect_uris: [REDIRECT],
            grant_types: ['authorization_code', 'refresh_token'],
            token_endpoint_auth_method: 'none',
          },
          oidc.None(),
          insecure,
        );
      });
      after(async () => {
        await proxy?.close();
        await mxauth?.close();
        await database?.drop();
      });

      test('discovery under /auth/ advertises only URLs under /auth/', async () => {
        for (const path of ['.well-known/openid-configuration', '.well-known/oauth-authorization-server']) {
          const response = await fetch(`${base}${path}`);
          assert.equal(response.status, 200, path);
          const document = (await response.json()) as Record<string, unknown>;
          assert.equal(document.issuer, base);
          const urls = Object.entries(document).filter(
            ([, v]) => typeof v === 'string' && /^https?:/.test(v),
          );
          assert.ok(urls.length >= 8, `${urls.length} URLs advertised`);
          for (const [key, url] of urls) assert.ok(String(url).startsWith(base), `${key}: ${url}`);
          assert.equal(document.account_management_uri, `${base}account/`);
          assert.equal(document.introspection_endpoint, `${base}oauth2/introspect`);
        }
        const metadata = client.serverMetadata();
        const jwks = await fetch(metadata.jwks_uri!);
        assert.equal(jwks.status, 200);
        assert.ok(((await jwks.json()) as { keys: unknown[] }).keys.length >= 2);
      });

      test('code flow with PKCE through the pages, refresh, userinfo and introspection', async () => {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const nonce = oidc.randomNonce();
        const url = oidc.buildAuthorizationUrl(client, {
          redirect_uri: REDIRECT,
          scope: 'openid urn:matrix:client:api:* urn:matrix:client:device:PREFIXDEV1',
          state,
          nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        });
        assert.ok(url.href.startsWith(`${base}authorize?`), url.href);
        // The browser treats any redirect outside /auth/ as leaving mxauth.
        const browser = newBrowser(base);
        const seen = proxy.paths.length;
        proxy.cookies.length = 0;
        let page = await browser.get(url.href);
        assert.equal(page.status, 200);
        assert.match(page.html, /name="password"/);
        assert.match(page.html, /href="\/auth\/assets\/mxauth\.css"/);
        assertUnderBase(page);
        page = await browser.submit(page, { username: 'alice', password: PASSWORD });
        assert.equal(page.status, 200);
        assert.match(page.html, /@alice:example\.test/);
        assertUnderBase(page);
        page = await browser.submit(page, { decision: 'allow' });
        assert.ok(page.external, `expected the client's redirect, got ${page.status} ${page.url}`);
        assert.ok(page.url.startsWith(`${REDIRECT}?`), page.url);
        for (const path of proxy.paths.slice(seen)) assert.ok(path.startsWith('/auth/'), path);

        const cookieNames = new Set(proxy.cookies.map((c) => c.split('=')[0]));
        for (const name of ['mxauth-session', 'mxauth-interaction', 'mxauth-resume', 'mxauth-csrf'])
          assert.ok(cookieNames.has(name), `${name} in ${[...cookieNames]}`);
        for (const cookie of proxy.cookies)
          assert.match(cookie, /; path=\/auth\/[^;]*/i, `cookie scoped to /auth/: ${cookie}`);
        const session = proxy.cookies.find((c) => c.startsWith('mxauth-session='));
        assert.match(session!, /; path=\/auth\/;/i);

        const tokens = await oidc.authorizationCodeGrant(client, new URL(page.url), {
          pkceCodeVerifier: verifier,
          expectedState: state,
          expectedNonce: nonce,
          idTokenExpected: true,
        });
        assert.equal(tokens.claims()?.iss, base);
        const info = await oidc.fetchUserInfo(client, tokens.access_token, tokens.claims()!.sub);
        assert.equal(info.preferred_username, 'alice');

        const refreshed = await oidc.refreshTokenGrant(client, tokens.refresh_token!);
        assert.notEqual(refreshed.refresh_token, tokens.refresh_token);

        const introspect = (at: string) =>
          fetch(at, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${HOMESERVER_SECRET}`,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: new URLSearchParams({ token: refreshed.access_token }),
          });
        const answer = await introspect(`${base}oauth2/introspect`);
        assert.equal(answer.status, 200);
        const body = (await answer.json()) as Record<string, unknown>;
        assert.equal(body.active, true);
        assert.equal(body.username, 'alice');
        assert.equal(body.device_id, 'PREFIXDEV1');

        // The account page, signed in by the same browser session, and signing the device out there.
        page = await browser.get(`${base}account/`);
        assert.equal(page.status, 200, page.html.slice(0, 300));
        assert.equal(page.url, `${base}account/`);
        assert.match(page.html, /PREFIXDEV1/);
        assertUnderBase(page);
        page = await browser.submit(page, {}, '/end');
        assert.equal(page.url, `${base}account/?ended=1`);
        assert.doesNotMatch(page.html, /PREFIXDEV1/);
        assert.deepEqual(
          await (await introspect(`${base}oauth2/introspect`)).json(),
          { active: false },
          'signed out from the account page',
        );
        for (const path of proxy.paths.slice(seen)) assert.ok(path.startsWith('/auth/'), path);
        for (const cookie of proxy.cookies) assert.match(cookie, /; path=\/auth\//i, cookie);
        // The homeserver's introspection path is under the base too.
        assert.equal((await introspect(`${proxy.origin}/oauth2/introspect`)).status, 404);
      });

      test("the engine's own pages link under /auth/", async () => {
        const browser = newBrowser(base);
        const device = await browser.get(`${base}link`);
        assert.equal(device.status, 200);
        assert.match(device.html, /action="[^"]*\/auth\/link"/);
        assertUnderBase(device);
        const error = await browser.get(`${base}authorize?client_id=nobody&response_type=code`);
        assert.equal(error.status, 400);
        assertUnderBase(error);
        assert.match(error.html, /href="\/auth\/assets\/mxauth\.css"/);
        assert.equal((await fetch(`${base}assets/mxauth.css`)).status, 200);
      });

      test('nothing is served outside /auth/', async () => {
        for (const path of [
          '/.well-known/openid-configuration',
          '/authorize',
          '/oauth2/token',
          '/oauth2/keys.json',
          '/account/',
          '/assets/mxauth.css',
          '/health',
        ])
          assert.equal((await fetch(`${proxy.origin}${path}`)).status, 404, path);
        assert.equal((await fetch(`${base}health`)).status, 200);
      });
    });
  }
}
