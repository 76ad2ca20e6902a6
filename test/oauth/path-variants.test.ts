import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { ROUTES } from '../../src/oauth/provider.js';
import { isEngineRoute } from '../../src/routes.js';
import { newBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { introspect, type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

/**
 * The engine's router ignores case and a trailing slash; mxauth's hooks around it compare paths exactly.
 * Every engine route must therefore be reached by one spelling only: these tests send the others.
 */

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';
const API = 'urn:matrix:client:api:*';

/** A request sent as written: fetch would normalise dot segments, the raw path must reach the server. */
function raw(
  base: string,
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          accept: 'application/json',
          ...(options.body !== undefined ? { 'content-length': Buffer.byteLength(options.body) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const ID = 'AbCdEfGhIjKlMnOp';

/** Other spellings of `path`: case, slashes, dot segments, percent-encoded letters. */
function variants(path: string): string[] {
  const segments = path.split('/').slice(1);
  const out = new Set<string>();
  const withSegments = (f: (s: string, i: number) => string) => `/${segments.map(f).join('/')}`;
  const isStatic = (s: string) => s !== ID;
  out.add(withSegments((s) => (isStatic(s) ? s.toUpperCase() : s)));
  out.add(withSegments((s) => (isStatic(s) ? s.charAt(0).toUpperCase() + s.slice(1) : s)));
  out.add(
    withSegments((s, i) =>
      isStatic(s) && i === segments.length - 1 ? s.slice(0, -1) + s.slice(-1).toUpperCase() : s,
    ),
  );
  out.add(`${path}/`);
  out.add(`${path}//`);
  out.add(`${path.toUpperCase()}/`);
  out.add(`/${path}`);
  out.add(`${path}/.`);
  out.add(`/.${path}`);
  out.add(`/x/..${path}`);
  if (segments.length > 1) out.add(path.replace(/\/(?=[^/]*$)/, '//'));
  for (const hex of [(c: string) => c.toLowerCase(), (c: string) => c.toUpperCase()])
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i]!;
      const letter = [...s].findIndex((c) => /[a-z]/i.test(c));
      if (letter === -1) continue;
      const encoded = `%${hex(s.charCodeAt(letter).toString(16))}`;
      const changed = [...segments];
      changed[i] = s.slice(0, letter) + encoded + s.slice(letter + 1);
      out.add(`/${changed.join('/')}`);
    }
  out.delete(path);
  return [...out];
}

/** A request the route takes: its method, a body of the kind it reads. */
function requestFor(method: string, path: string): { body?: string; headers?: Record<string, string> } {
  if (method === 'OPTIONS')
    return {
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    };
  if (method !== 'POST') return {};
  if (path.toLowerCase().includes('registration'))
    return {
      body: JSON.stringify({
        client_uri: 'https://app.example.com/',
        redirect_uris: ['https://evil.example.net/cb'],
      }),
      headers: { 'content-type': 'application/json' },
    };
  return {
    body: 'client_id=unknown&token=unknown&grant_type=refresh_token&refresh_token=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  };
}

/** mxauth's own not-found (a HEAD answer has no body to tell it by). */
const notFoundByMxauth = (r: { status: number; body: string }) =>
  r.status === 404 && (r.body === '' || (JSON.parse(r.body) as { error?: string }).error === 'not_found');

/** What initialize_app.js registers, resolved against ROUTES: [method, path, route.X name or literal]. */
function engineSourceRoutes(): { method: string; path: string; base: string }[] {
  const source = readFileSync(
    new URL('../../node_modules/oidc-provider/lib/helpers/initialize_app.js', import.meta.url),
    'utf8',
  );
  const constants = new Map<string, string>();
  for (const [, name, value] of source.matchAll(/const (\w+Route) = '([^']+)'/g))
    constants.set(name!, value!);
  for (const [, name, key, rest] of source.matchAll(/const (\w+Route) = `\$\{routes\.(\w+)\}([^`]*)`/g))
    constants.set(name!, `\${routes.${key}}${rest}`);
  const routes = ROUTES as Record<string, string>;
  const found: { method: string; path: string; base: string }[] = [];
  // The conditions around each registration, to leave out what provider.ts leaves off and discovery
  // cannot show: the POST forms of GET routes, and registration management (PUT and DELETE of a client).
  // The guard refuses both (405), as the last tests check.
  const conditions: string[] = [];
  for (const line of source.split('\n')) {
    const opened = /^\s*if \((.*)\) \{$/.exec(line);
    if (opened) conditions.push(opened[1]!);
    else if (/^\s*\}$/.test(line)) conditions.pop();
    const registration = /^\s*(get|post|put|del|options)\('[\w.]+', ([^,]+),/.exec(line);
    if (!registration || conditions.some((c) => /enableHttpPostMethods|registrationManagement/.test(c)))
      continue;
    const [, verb, expression] = registration;
    let expr = expression!.trim();
    expr = constants.get(expr) ?? expr;
    let base: string;
    let path: string;
    const direct = /^routes\.(\w+)$/.exec(expr);
    const templated = /^`?\$\{routes\.(\w+)\}([^`]*)`?$/.exec(expr);
    if (direct) {
      base = direct[1]!;
      path = routes[base] ?? `(unset ${base})`;
    } else if (templated) {
      base = templated[1]!;
      path = `${routes[base] ?? `(unset ${base})`}${templated[2]}`;
    } else {
      path = expr.replace(/^['`]|['`]$/g, '');
      base = path;
    }
    const method = { get: 'GET', post: 'POST', put: 'PUT', del: 'DELETE', options: 'OPTIONS' }[verb!]!;
    found.push({ method, path, base });
  }
  assert.ok(found.length > 20, 'the engine source still reads as expected');
  return found;
}

/** Which discovery field shows that the engine serves the routes under each `routes.X` (or literal path). */
const ADVERTISED_BY: Record<string, string | 'always' | 'mxauth'> = {
  authorization: 'authorization_endpoint',
  token: 'token_endpoint',
  jwks: 'jwks_uri',
  registration: 'registration_endpoint',
  revocation: 'revocation_endpoint',
  end_session: 'end_session_endpoint',
  device_authorization: 'device_authorization_endpoint',
  code_verification: 'device_authorization_endpoint',
  pushed_authorization_request: 'pushed_authorization_request_endpoint',
  backchannel_authentication: 'backchannel_authentication_endpoint',
  credential: 'credential_endpoint',
  challenge: 'challenge_endpoint',
  '/.well-known/oauth-authorization-server': 'always',
  '/.well-known/openid-configuration': 'always',
  '/.well-known/openid-credential-issuer': 'credential_endpoint',
  // Served by mxauth itself (the engine's own are disabled), and the development pages are off.
  userinfo: 'mxauth',
  introspection: 'mxauth',
  '/interaction/:uid': 'mxauth',
  '/interaction/:uid/abort': 'mxauth',
};

for (const kind of DATABASE_KINDS) {
  describe(`every engine route has one spelling [${kind}]`, () => {
    let server: RunningMxauth;
    let client: oidc.Configuration;

    before(async () => {
      server = await startMxauth(kind);
      assert.ok((await server.mxauth.users.register({ localpart: 'alice', password: PASSWORD })).ok);
      client = await registerClient(server, {
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
      });
    });
    after(() => server.close());

    test('the route table holds every route the engine serves', async () => {
      const discovery = JSON.parse(
        (await raw(server.base, 'GET', '/.well-known/openid-configuration')).body,
      ) as Record<string, unknown>;
      const served = engineSourceRoutes().filter(({ base }) => {
        const advertised = ADVERTISED_BY[base];
        assert.ok(advertised, `a route under ${base} the test does not know: add it to src/routes.ts`);
        return advertised === 'always' || (advertised !== 'mxauth' && discovery[advertised] !== undefined);
      });
      for (const { method, path } of served) {
        const route = server.mxauth.routes.find((r) => isEngineRoute(r) && r.path === path);
        assert.ok(route, `${path} is missing from the engine's rows of src/routes.ts`);
        assert.ok(route.methods.includes(method), `${method} ${path} is missing from src/routes.ts`);
      }
    });

    test('other spellings of every engine route are not found; the canonical one reaches the engine', async () => {
      const failures: string[] = [];
      let sent = 0;
      for (const route of server.mxauth.routes.filter(isEngineRoute)) {
        const path = route.path.replace(/:\w+/g, ID);
        for (const method of route.methods) {
          const canonical = await raw(server.base, method, path, requestFor(method, path));
          if (notFoundByMxauth(canonical)) failures.push(`${method} ${path} (canonical) is not found`);
          for (const variant of variants(path)) {
            sent++;
            const answer = await raw(server.base, method, variant, requestFor(method, variant));
            if (!notFoundByMxauth(answer))
              failures.push(`${method} ${variant} answered ${answer.status} ${answer.body.slice(0, 120)}`);
          }
        }
      }
      assert.ok(sent > 300, `${sent} variants sent`);
      assert.deepEqual(failures, []);
    });

    test("mxauth's own protocol routes (introspection, userinfo) answer other spellings as the canonical or not at all", async () => {
      for (const [method, path] of [
        ['POST', ROUTES.introspection],
        ['GET', ROUTES.userinfo],
      ] as const) {
        const canonical = await raw(server.base, method, path, requestFor(method, path));
        assert.notEqual(canonical.status, 404);
        for (const variant of variants(path)) {
          const answer = await raw(server.base, method, variant, requestFor(method, variant));
          assert.ok(
            answer.status === 404 || answer.status === canonical.status,
            `${method} ${variant}: ${answer.status}, canonical ${canonical.status}`,
          );
        }
      }
    });

    test('a registration with a redirect URI off the client site is refused by every spelling', async () => {
      const body = JSON.stringify({
        client_uri: 'https://app.example.com/',
        redirect_uris: ['https://evil.example.net/cb'],
        token_endpoint_auth_method: 'none',
      });
      const headers = { 'content-type': 'application/json' };
      const canonical = await raw(server.base, 'POST', ROUTES.registration, { body, headers });
      assert.equal(canonical.status, 400, canonical.body);
      for (const variant of [
        ...variants(ROUTES.registration),
        '/oauth2/REGISTRATION',
        '/oauth2/registration/',
      ]) {
        const answer = await raw(server.base, 'POST', variant, { body, headers });
        assert.ok(
          answer.status === 400 || notFoundByMxauth(answer),
          `${variant}: ${answer.status} ${answer.body}`,
        );
      }
      // The CORS preflight the hook answers, exactly at the registration endpoint.
      const preflight = await raw(server.base, 'OPTIONS', ROUTES.registration, requestFor('OPTIONS', ''));
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], '*');
    });

    test('a wrong method at an engine route is 405 in the caller format', async () => {
      const answer = await raw(server.base, 'DELETE', ROUTES.token);
      assert.equal(answer.status, 405);
      assert.equal(answer.headers.allow, 'POST, OPTIONS');
      assert.equal(JSON.parse(answer.body).error, 'invalid_request');
      // The POST form of the authorization endpoint is off (the device hook reads the query only).
      assert.equal(
        (await raw(server.base, 'POST', ROUTES.authorization, requestFor('POST', ''))).status,
        405,
      );
      assert.equal((await raw(server.base, 'POST', ROUTES.end_session, requestFor('POST', ''))).status, 405);
      for (const method of ['PUT', 'DELETE'])
        assert.equal((await raw(server.base, method, `${ROUTES.registration}/${ID}`)).status, 405);
    });

    /** Signs alice in from `page` (the login page), consents, and returns the device of the tokens. */
    async function deviceAfterSignIn(browser: ReturnType<typeof newBrowser>, page: Page, verifier: string) {
      page = await browser.submit(page, { username: 'alice', password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      assert.ok(page.external, `expected the redirect to the client, got ${page.status} ${page.url}`);
      const tokens = await oidc.authorizationCodeGrant(client, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: oidc.skipStateCheck,
      });
      const answer = await introspect(server, tokens.access_token);
      assert.equal(answer.active, true);
      return answer.device_id;
    }

    async function authorizationParams() {
      const verifier = oidc.randomPKCECodeVerifier();
      const params = {
        redirect_uri: REDIRECT,
        scope: `openid ${API}`,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      };
      return { verifier, params };
    }

    test('an authorization for the API by any spelling, or by HEAD, gets a device or is not found', async () => {
      const { verifier, params } = await authorizationParams();
      const url = oidc.buildAuthorizationUrl(client, params);
      for (const variant of variants(ROUTES.authorization)) {
        const answer = await raw(server.base, 'GET', `${variant}${url.search}`, {
          headers: { accept: 'text/html' },
        });
        assert.equal(answer.status, 404, `${variant}: ${answer.status}`);
      }
      // HEAD is answered by the engine's GET route: the device must be added there too.
      const browser = newBrowser(server.base);
      const head = await fetch(url, { method: 'HEAD', redirect: 'manual', headers: browser.headers });
      assert.equal(head.status, 303);
      for (const header of head.headers.getSetCookie()) {
        const [pair] = header.split(';');
        const eq = pair!.indexOf('=');
        browser.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
      const page = await browser.get(head.headers.get('location')!);
      assert.match(String(await deviceAfterSignIn(browser, page, verifier)), /^[A-Z0-9]{10}$/);
    });

    test('a pushed authorization request for the API gets a device', async () => {
      const { verifier, params } = await authorizationParams();
      const url = await oidc.buildAuthorizationUrlWithPAR(client, params);
      const browser = newBrowser(server.base);
      const page = await browser.get(url.href);
      assert.match(String(await deviceAfterSignIn(browser, page, verifier)), /^[A-Z0-9]{10}$/);
    });
  });
}
