import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { type FormBrowser, newBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import {
  introspect as introspectToken,
  type RunningMxauth,
  registerClient,
  startMxauth,
} from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';

for (const kind of DATABASE_KINDS) {
  describe(`registration and admin scope in the authorization flow [${kind}]`, () => {
    let server: RunningMxauth;
    let config: oidc.Configuration;

    before(async () => {
      server = await startMxauth(kind, {
        account: {
          password_registration_enabled: true,
          // These tests register through the pages without a mailbox; test/signin covers the email step.
          password_registration_email_required: false,
          login_with_email_allowed: true,
        },
      });
      assert.ok((await server.mxauth.users.register({ localpart: 'plain', password: PASSWORD })).ok);
      assert.ok(
        (await server.mxauth.users.register({ localpart: 'boss', password: PASSWORD, canRequestAdmin: true }))
          .ok,
      );
      config = await registerClient(server, {
        client_uri: 'https://app.example.com/',
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      });
    });
    after(() => server.close());

    const start = async (browser: FormBrowser, scope: string, extra: Record<string, string> = {}) => {
      const verifier = oidc.randomPKCECodeVerifier();
      const page = await browser.get(
        oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT,
          scope,
          state: 'st',
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          ...extra,
        }).href,
      );
      return { page, verifier };
    };
    const introspect = (token: string) => introspectToken(server, token);

    test('prompt=create opens registration; the new account signs straight in', async () => {
      const browser = newBrowser(server.base);
      const { page: first, verifier } = await start(browser, 'urn:matrix:client:api:*', { prompt: 'create' });
      assert.match(first.html, /<h1>Create an account<\/h1>/);
      let page: Page = await browser.submit(first, {
        username: 'newbie',
        password: PASSWORD,
        password_confirm: 'something else',
      });
      assert.equal(page.status, 400);
      assert.match(page.html, /The two passwords differ/);
      page = await browser.submit(page, {
        username: 'newbie',
        password: 'password',
        password_confirm: 'password',
      });
      assert.match(page.html, /too weak/);
      page = await browser.submit(page, {
        username: 'plain',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.match(page.html, /already taken/);
      page = await browser.submit(page, {
        username: 'newbie',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.match(page.html, /Allow access\?/);
      page = await browser.submit(page, { decision: 'allow' });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 'st',
      });
      const body = await introspect(tokens.access_token);
      assert.equal(body.username, 'newbie');
      assert.match(
        String(body.device_id),
        /^[A-Z0-9]{10}$/,
        'a device id was generated for a request without one',
      );
      assert.match(
        tokens.scope ?? '',
        new RegExp(`urn:matrix:client:device:${body.device_id}`),
        'and returned in the scope',
      );
    });

    test('with login_with_email_allowed, a verified address signs in, and an email login_hint fills the form', async () => {
      assert.ok(
        (
          await server.mxauth.users.register({
            localpart: 'mailer',
            password: PASSWORD,
            email: 'Mailer@Example.org',
          })
        ).ok,
      );
      const browser = newBrowser(server.base);
      const { page: first, verifier } = await start(browser, 'urn:matrix:client:api:*', {
        login_hint: 'mailer@example.org',
      });
      assert.match(first.html, /Username or email address/);
      assert.match(first.html, /value="mailer@example.org"/);
      let page = await browser.submit(first, { username: 'nobody@example.org', password: PASSWORD });
      assert.equal(page.status, 401, 'an unknown address is a wrong login, like an unknown name');
      page = await browser.submit(page, { username: 'MAILER@example.org', password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 'st',
      });
      assert.equal((await introspect(tokens.access_token)).username, 'mailer');
    });

    test('urn:synapse:admin:* is granted only to accounts allowed to request it', async () => {
      const scope = 'urn:matrix:client:api:* urn:matrix:client:device:ADMINTEST1 urn:synapse:admin:*';
      const denied = newBrowser(server.base);
      let page = (await start(denied, scope)).page;
      page = await denied.submit(page, { username: 'plain', password: PASSWORD });
      page = await denied.submit(page, { decision: 'allow' });
      const refused = new URL(page.url);
      assert.equal(refused.searchParams.get('error'), 'access_denied');
      assert.match(
        refused.searchParams.get('error_description') ?? '',
        /may not request administrator access/,
      );

      const allowed = newBrowser(server.base);
      const started = await start(allowed, scope);
      page = await allowed.submit(started.page, { username: 'boss', password: PASSWORD });
      assert.match(page.html, /Administer the homeserver/);
      page = await allowed.submit(page, { decision: 'allow' });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), {
        pkceCodeVerifier: started.verifier,
        expectedState: 'st',
      });
      assert.match(String((await introspect(tokens.access_token)).scope), /urn:synapse:admin:\*/);
    });
  });
}
