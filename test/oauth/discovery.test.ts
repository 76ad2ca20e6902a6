import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as oidc from 'openid-client';
import { FormBrowser } from '../helpers/browser.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

let server: RunningMxauth;
before(async () => {
  server = await startMxauth('sqlite');
  assert.ok(
    (await server.mxauth.users.register({ localpart: 'gil', password: 'correct horse battery staple' })).ok,
  );
});
after(() => server.close());

test('discovery has every field the Matrix spec requires, cacheable, on both well-known paths', async () => {
  for (const path of ['.well-known/openid-configuration', '.well-known/oauth-authorization-server']) {
    const response = await fetch(new URL(path, server.base));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('cache-control') ?? '', /max-age=\d+/);
    const m = (await response.json()) as Record<string, unknown>;
    assert.equal(m.issuer, server.base);
    for (const endpoint of [
      'authorization_endpoint',
      'token_endpoint',
      'revocation_endpoint',
      'registration_endpoint',
    ])
      assert.ok(String(m[endpoint]).startsWith(server.base), endpoint);
    const includes = (field: string, values: string[]) =>
      assert.ok(
        values.every((v) => (m[field] as string[]).includes(v)),
        `${field} ⊇ ${values}`,
      );
    includes('response_types_supported', ['code']);
    includes('grant_types_supported', [
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ]);
    includes('response_modes_supported', ['query', 'fragment']);
    includes('code_challenge_methods_supported', ['S256']);
    includes('prompt_values_supported', ['create']);
    assert.equal(
      m.account_management_uri,
      `${server.base}account/`,
      'no query string: Synapse appends ?action=',
    );
    includes('account_management_actions_supported', ['org.matrix.devices_list', 'org.matrix.device_delete']);
  }
});

test('the JWKS publishes an RSA and an EC P-256 signing key, each with a kid, and no private parts', async () => {
  const response = await fetch(new URL('oauth2/keys.json', server.base));
  assert.match(response.headers.get('cache-control') ?? '', /max-age=\d+/);
  const { keys } = (await response.json()) as { keys: Record<string, string>[] };
  assert.deepEqual(keys.map((k) => k.alg).sort(), ['ES256', 'RS256']);
  for (const key of keys) {
    assert.ok(key.kid);
    assert.equal(key.d, undefined, 'no private key material');
  }
});

test("response_mode=form_post answers with mxauth's own page: a form the page script submits, in the person's language", async () => {
  const config = await registerClient(server);
  const verifier = oidc.randomPKCECodeVerifier();
  const browser = new FormBrowser(server.base, { 'x-forwarded-for': '198.18.1.1', 'accept-language': 'de' });
  let page = await browser.get(
    oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'https://app.example.com/cb',
      scope: 'urn:matrix:client:api:*',
      state: 'fp"<',
      response_mode: 'form_post',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).href,
  );
  page = await browser.submit(page, { username: 'gil', password: 'correct horse battery staple' });
  page = await browser.submit(page, { decision: 'allow' });
  const html = page.html;
  assert.equal(page.status, 200);
  assert.match(html, /<form method="post" action="https:\/\/app\.example\.com\/cb" data-auto-submit>/);
  assert.match(html, /name="code"/);
  assert.match(html, /name="state" value="fp&quot;&lt;"/, 'values are escaped');
  assert.match(html, /<html lang="de"/);
  assert.match(html, /Du wirst zu app\.example\.com zurückgeschickt/);
  assert.doesNotMatch(html, /Submitting Callback/);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'(;|$)/, 'no inline script: the page script submits the form');
});

test('discovery names the login hint types (MSC4198) and the branding policy and terms (op_policy_uri, op_tos_uri)', async () => {
  const m = (await (await fetch(new URL('.well-known/openid-configuration', server.base))).json()) as Record<
    string,
    unknown
  >;
  assert.deepEqual(m.login_hint_types_supported, ['mxid']);
  assert.equal(m.op_policy_uri, undefined, 'no policy configured, none advertised');
  const branded = await startMxauth('sqlite', {
    branding: { policy_uri: 'https://example.test/privacy', tos_uri: 'https://example.test/terms' },
  });
  try {
    const b = (await (
      await fetch(new URL('.well-known/openid-configuration', branded.base))
    ).json()) as Record<string, unknown>;
    assert.equal(b.op_policy_uri, 'https://example.test/privacy');
    assert.equal(b.op_tos_uri, 'https://example.test/terms');
  } finally {
    await branded.close();
  }
});

test('an mxid: login hint prefills the sign-in form without the openid scope (MSC4198)', async () => {
  const config = await registerClient(server);
  const browser = new FormBrowser(server.base);
  const page = await browser.get(
    oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'https://app.example.com/cb',
      scope: 'urn:matrix:client:api:*',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      login_hint: 'mxid:@gil:example.test',
    }).href,
  );
  assert.match(page.html, /name="username"[^>]*value="gil"|value="gil"[^>]*name="username"/);
});
