import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { type FormBrowser, newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';
const AFTER_LOGOUT = 'https://app.example.com/signed-out';
const CLIENT_HOST = 'app.example.com';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** A request the client's back-channel logout endpoint received. */
interface Delivery {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string;
}

/** The client's back-channel logout endpoint: a real HTTP server on loopback, answering 200. */
async function startReceiver() {
  const deliveries: Delivery[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    deliveries.push({ method: req.method!, path: req.url!, contentType: req.headers['content-type'], body });
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    deliveries,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

for (const kind of DATABASE_KINDS) {
  describe(`back-channel logout [${kind}]`, () => {
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let server: RunningMxauth;
    /** Every call the engine made, and whether it carried the engine's SSRF-guarding dispatcher. */
    const outbound: { url: string; guarded: boolean }[] = [];
    /** Why outgoing requests failed. */
    const failures: Error[] = [];
    /** Keep the engine's dispatcher, as the default fetch does: loopback is refused. */
    let keepEngineGuard = false;
    /** Sends a logout token (sid required), one without sid, and none at all. */
    let withSid: oidc.Configuration;
    let withoutSid: oidc.Configuration;
    let noBackchannel: oidc.Configuration;
    let jwks: ReturnType<typeof createRemoteJWKSet>;

    /**
     * The test's network: the client's host is the receiver on loopback, over plain HTTP. The engine's
     * dispatcher refuses loopback addresses (SSRF protection), so it is dropped unless `keepEngineGuard`.
     */
    const outboundFetch: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      const { dispatcher, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
      outbound.push({ url: url.href, guarded: dispatcher !== undefined });
      if (url.hostname !== CLIENT_HOST) throw new Error(`unexpected outgoing request to ${url.href}`);
      return fetch(
        new URL(`${url.pathname}${url.search}`, receiver.base),
        keepEngineGuard ? init : rest,
      ).catch((e: Error) => {
        failures.push(e);
        throw e;
      });
    };

    before(async () => {
      receiver = await startReceiver();
      server = await startMxauth(kind, {}, { mxauth: { outboundFetch } });
      assert.ok((await server.mxauth.users.register({ localpart: 'frank', password: PASSWORD })).ok);
      const common = { post_logout_redirect_uris: [AFTER_LOGOUT] };
      withSid = await registerClient(server, {
        ...common,
        client_name: 'with sid',
        backchannel_logout_uri: `https://${CLIENT_HOST}/backchannel/with-sid`,
        backchannel_logout_session_required: true,
      });
      withoutSid = await registerClient(server, {
        ...common,
        client_name: 'without sid',
        backchannel_logout_uri: `https://${CLIENT_HOST}/backchannel/without-sid?from=mxauth`,
      });
      noBackchannel = await registerClient(server, { ...common, client_name: 'no back-channel' });
      jwks = createRemoteJWKSet(new URL(withSid.serverMetadata().jwks_uri!));
    });
    after(async () => {
      await server.close();
      await receiver.close();
    });
    beforeEach(() => {
      outbound.length = 0;
      failures.length = 0;
      receiver.deliveries.length = 0;
      keepEngineGuard = false;
    });

    /** Signs frank in to `config` through the real pages in `browser`; returns the tokens. */
    async function signIn(browser: FormBrowser, config: oidc.Configuration) {
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      let page = await browser.get(
        oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT,
          scope: 'openid urn:matrix:client:api:*',
          state: 's',
          nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        }).href,
      );
      // The first client asks for the password; later ones only for consent (one browser session).
      if (/name="password"/.test(page.html))
        page = await browser.submit(page, { username: 'frank', password: PASSWORD });
      if (!page.external) page = await browser.submit(page, { decision: 'allow' });
      assert.ok(page.external, `expected a redirect to the client, got ${page.url}`);
      return oidc.authorizationCodeGrant(config, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 's',
        expectedNonce: nonce,
      });
    }

    /** RP-initiated logout (end_session_endpoint), confirmed on mxauth's page. */
    async function logOut(browser: FormBrowser, config: oidc.Configuration, idToken: string) {
      let page = await browser.get(
        oidc.buildEndSessionUrl(config, {
          id_token_hint: idToken,
          post_logout_redirect_uri: AFTER_LOGOUT,
          state: 'bye',
        }).href,
      );
      assert.match(page.html, /<h1>Sign out\?<\/h1>/);
      page = await browser.submit(page, { logout: 'yes' });
      assert.equal(page.url, `${AFTER_LOGOUT}?state=bye`);
      const account = await browser.get('/account/');
      assert.match(account.html, /name="password"/, 'the browser session has ended');
    }

    /** Checks a delivery as the client must (OIDC Back-Channel Logout 1.0 §2.4, §2.6); returns the claims. */
    async function logoutToken(delivery: Delivery, config: oidc.Configuration): Promise<JWTPayload> {
      assert.equal(delivery.method, 'POST');
      assert.equal(delivery.contentType, 'application/x-www-form-urlencoded');
      const form = new URLSearchParams(delivery.body);
      assert.deepEqual([...form.keys()], ['logout_token']);
      const { payload } = await jwtVerify(form.get('logout_token')!, jwks, {
        issuer: config.serverMetadata().issuer,
        audience: config.clientMetadata().client_id,
        typ: 'logout+jwt',
      });
      assert.deepEqual(payload.events, { [EVENT]: {} });
      assert.equal(typeof payload.iat, 'number');
      assert.ok(Math.abs(payload.iat! - Date.now() / 1000) < 60, 'issued now');
      assert.ok(typeof payload.jti === 'string' && payload.jti.length > 0, 'has a jti');
      assert.equal('nonce' in payload, false, 'a logout token never has a nonce');
      return payload;
    }

    test('RP-initiated logout POSTs a verifiable logout token, with sub and sid, to backchannel_logout_uri', async () => {
      const browser = newBrowser(server.base);
      const tokens = await signIn(browser, withSid);
      const idToken = tokens.claims()!;
      assert.equal(typeof idToken.sid, 'string', 'the ID token names the session');
      assert.equal(receiver.deliveries.length, 0, 'nothing is sent on sign-in');

      await logOut(browser, withSid, tokens.id_token!);

      assert.deepEqual(outbound, [{ url: `https://${CLIENT_HOST}/backchannel/with-sid`, guarded: true }]);
      assert.deepEqual(failures, []);
      assert.equal(receiver.deliveries.length, 1);
      assert.equal(receiver.deliveries[0]!.path, '/backchannel/with-sid');
      const claims = await logoutToken(receiver.deliveries[0]!, withSid);
      assert.equal(claims.sub, idToken.sub);
      assert.equal(claims.sid, idToken.sid, 'backchannel_logout_session_required: the sid of the ID token');
    });

    test('every client of the browser session is told, none that registered no backchannel_logout_uri', async () => {
      const browser = newBrowser(server.base);
      const first = (await signIn(browser, withSid)).claims()!;
      const second = (await signIn(browser, withoutSid)).claims()!;
      const initiator = await signIn(browser, noBackchannel);

      await logOut(browser, noBackchannel, initiator.id_token!);

      assert.deepEqual(outbound.map((o) => o.url).sort(), [
        `https://${CLIENT_HOST}/backchannel/with-sid`,
        `https://${CLIENT_HOST}/backchannel/without-sid?from=mxauth`,
      ]);
      const byPath = new Map(receiver.deliveries.map((d) => [d.path, d]));
      assert.equal(receiver.deliveries.length, 2);
      const a = await logoutToken(byPath.get('/backchannel/with-sid')!, withSid);
      const b = await logoutToken(byPath.get('/backchannel/without-sid?from=mxauth')!, withoutSid);
      assert.equal(a.sub, first.sub);
      assert.equal(a.sid, first.sid);
      assert.equal(b.sub, second.sub);
      assert.notEqual(a.jti, b.jti, 'each logout token is unique');
    });

    test('a client without backchannel_logout_uri causes no request', async () => {
      const browser = newBrowser(server.base);
      const tokens = await signIn(browser, noBackchannel);
      await logOut(browser, noBackchannel, tokens.id_token!);
      assert.deepEqual(outbound, []);
      assert.deepEqual(receiver.deliveries, []);
    });

    test('by default the engine refuses a loopback receiver (SSRF), and logout still completes', async () => {
      keepEngineGuard = true;
      const browser = newBrowser(server.base);
      const tokens = await signIn(browser, withSid);
      await logOut(browser, withSid, tokens.id_token!);
      assert.deepEqual(outbound, [{ url: `https://${CLIENT_HOST}/backchannel/with-sid`, guarded: true }]);
      assert.deepEqual(receiver.deliveries, [], 'the SSRF guard refused 127.0.0.1');
      assert.equal(failures.length, 1);
      assert.match(String((failures[0]!.cause as Error | undefined)?.message), /special-use IP address/);
    });
  });
}
