import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { FormBrowser } from './browser.js';
import { githubIdFor, startUpstreamIdp, type UpstreamIdp } from './upstream-idp.js';

// The redirect URI is only read from the Location header: nothing listens there.
const CALLBACK = 'http://127.0.0.1:1/cb';

describe('upstream IdP helper, as openid-client sees it', () => {
  let idp: UpstreamIdp;

  before(async () => {
    idp = await startUpstreamIdp();
    idp.setRedirectUris([CALLBACK]);
    idp.setAccount({
      sub: 'alice-sub',
      claims: {
        preferred_username: 'alice',
        name: 'Alice Liddell',
        email: 'alice@example.org',
        email_verified: true,
        groups: ['staff', 'admins'],
      },
    });
  });
  after(() => idp.stop());

  const discover = () =>
    client.discovery(
      new URL(idp.issuer),
      idp.oidcClient.clientId,
      idp.oidcClient.clientSecret,
      client.ClientSecretBasic(idp.oidcClient.clientSecret),
      { execute: [client.allowInsecureRequests] },
    );

  /** Follows the IdP's redirects from `url` to the callback and returns the callback URL. */
  const authorize = async (browser: FormBrowser, url: URL): Promise<URL> => {
    const page = await browser.get(url.href);
    assert.equal(page.external, true, `stopped at ${page.url} (${page.status}):\n${page.html}`);
    assert.ok(page.url.startsWith(CALLBACK), page.url);
    return new URL(page.url);
  };

  const oidcSignIn = async (config: client.Configuration, browser = new FormBrowser(idp.origin)) => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid profile email groups',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const callback = await authorize(browser, url);
    return client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
  };

  it('is discovered with the endpoints it announces', async () => {
    const config = await discover();
    const meta = config.serverMetadata();
    assert.equal(meta.issuer, idp.issuer);
    assert.equal(meta.authorization_endpoint, idp.endpoints.authorization);
    assert.equal(meta.token_endpoint, idp.endpoints.token);
    assert.equal(meta.jwks_uri, idp.endpoints.jwks);
    assert.equal(meta.userinfo_endpoint, idp.endpoints.userinfo);
    assert.equal(meta.end_session_endpoint, idp.endpoints.endSession);
    assert.equal(meta.backchannel_logout_supported, true);
  });

  it('signs in with the code flow (PKCE, state, nonce): the ID token carries the claims and sid', async () => {
    idp.signInAs('alice-sub');
    const config = await discover();
    const tokens = await oidcSignIn(config);
    const claims = tokens.claims()!;
    assert.equal(claims.sub, 'alice-sub');
    assert.equal(claims.preferred_username, 'alice');
    assert.equal(claims.email, 'alice@example.org');
    assert.deepEqual(claims.groups, ['staff', 'admins']);
    assert.equal(typeof claims.sid, 'string');
    assert.equal(idp.lastSid('alice-sub'), claims.sid);
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, 'alice-sub');
    assert.equal(userinfo.name, 'Alice Liddell');
  });

  it('signs in through the form when no one is set, and again from its session without a form', async () => {
    idp.signInAs(undefined);
    const config = await discover();
    const browser = new FormBrowser(idp.origin);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const form = await browser.get(url.href);
    assert.equal(form.status, 200);
    const done = await browser.submit(form, { username: 'alice-sub' });
    assert.equal(done.external, true, done.html);
    const tokens = await client.authorizationCodeGrant(config, new URL(done.url), {
      pkceCodeVerifier: verifier,
    });
    assert.equal(tokens.claims()!.sub, 'alice-sub');
    assert.ok(browser.cookies.has('_session'), 'the IdP keeps its session cookie over plain http');

    // The IdP session answers the second request, even with more scope (a consent prompt).
    const again = await oidcSignIn(config, browser);
    assert.equal(again.claims()!.sub, 'alice-sub');
    assert.equal(again.claims()!.email, 'alice@example.org');
  });

  it('lets the plain OAuth client (no openid, no PKCE) get an access token for the GitHub-like user API', async () => {
    idp.signInAs('alice-sub');
    const config = new client.Configuration(
      {
        issuer: idp.issuer,
        authorization_endpoint: idp.endpoints.authorization,
        token_endpoint: idp.endpoints.token,
      },
      idp.oauthClient.clientId,
      idp.oauthClient.clientSecret,
      client.ClientSecretPost(idp.oauthClient.clientSecret),
    );
    client.allowInsecureRequests(config);
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'read:user', state });
    const callback = await authorize(new FormBrowser(idp.origin), url);
    const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state });
    assert.equal(tokens.id_token, undefined);
    assert.ok(tokens.access_token);

    const user = await fetch(idp.endpoints.githubUser, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(user.status, 200);
    const body = (await user.json()) as Record<string, unknown>;
    assert.equal(typeof body.id, 'number');
    assert.equal(body.id, githubIdFor('alice-sub'));
    assert.equal(body.login, 'alice');
    assert.equal(body.email, 'alice@example.org');

    const denied = await fetch(idp.endpoints.githubUser, { headers: { authorization: 'Bearer nope' } });
    assert.equal(denied.status, 401);
    // oidc-provider's own userinfo wants the openid scope, which this token lacks.
    const userinfo = await fetch(idp.endpoints.userinfo, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.notEqual(userinfo.status, 200);
  });

  it('signs logout tokens with the key its JWKS serves, and other-key ones fail', async () => {
    const jwks = createRemoteJWKSet(new URL(idp.endpoints.jwks));
    const token = await idp.logoutToken({ sub: 'alice-sub', sid: 'the-sid' });
    assert.equal(decodeProtectedHeader(token).typ, 'logout+jwt');
    const { payload } = await jwtVerify(token, jwks, {
      issuer: idp.issuer,
      audience: idp.oidcClient.clientId,
      typ: 'logout+jwt',
    });
    assert.equal(payload.sub, 'alice-sub');
    assert.equal(payload.sid, 'the-sid');
    assert.ok(payload.jti);
    assert.deepEqual(payload.events, { 'http://schemas.openid.net/event/backchannel-logout': {} });

    const trimmed = await idp.logoutToken({ sid: 'x', overrides: { jti: undefined, nonce: 'n' } });
    const { payload: p2 } = await jwtVerify(trimmed, jwks);
    assert.equal('jti' in p2, false);
    assert.equal(p2.nonce, 'n');

    const forged = await idp.logoutToken({ sub: 'alice-sub', sign: 'other-key' });
    await assert.rejects(jwtVerify(forged, jwks));
    await assert.rejects(jwtVerify(await idp.idToken({ sub: 'alice-sub' }, 'other-key'), jwks));
    await jwtVerify(await idp.idToken({ sub: 'alice-sub', nonce: 'n' }), jwks, { audience: 'mxauth-oidc' });
  });

  for (const mode of ['down', 'garbage'] as const) {
    it(`fails the token request and discovery when ${mode}`, async () => {
      idp.signInAs('alice-sub');
      const config = await discover();
      idp.setMode(mode);
      try {
        await assert.rejects(oidcSignIn(config));
        await assert.rejects(discover());
      } finally {
        idp.setMode('ok');
      }
      await oidcSignIn(config);
    });
  }

  it('answers slowly when slow, without keeping the process alive', async () => {
    idp.setMode('slow', 200);
    try {
      const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
      assert.equal(response.status, 200);
    } finally {
      idp.setMode('ok');
    }
    // A long wait left pending when the IdP stops: the runner would hang here if the timer held on.
    const second = await startUpstreamIdp();
    second.setMode('slow');
    const pending = fetch(`${second.issuer}/.well-known/openid-configuration`).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await second.stop();
    assert.ok((await pending) instanceof Error);
  });
});
