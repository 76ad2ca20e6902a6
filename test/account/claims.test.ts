import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, registerClient } from '../helpers/oauth-server.js';
import { PASSWORD, register, startPlain } from './support.js';

const REDIRECT = 'https://app.example.com/cb';
const CONTACT_CLAIMS = ['email', 'email_verified', 'phone_number', 'phone_number_verified'];

for (const kind of DATABASE_KINDS) {
  describe(`email and phone claims [${kind}]`, () => {
    let running: RunningMxauth;
    let config: oidc.Configuration;
    let devices = 0;

    before(async () => {
      running = await startPlain(kind);
      config = await registerClient(running, { client_name: 'Claims app', redirect_uris: [REDIRECT] });
      const { storage } = running.mxauth.services;
      const tess = await register(running, 'tess', { email: 'tess.old@example.org' });
      // A second verified address made primary, an unverified one, and a verified number.
      const added = await storage.emails.add({ userId: tess.id, email: 'tess@example.org', confirmed: true });
      assert.ok(added.ok);
      await storage.emails.setPrimary(tess.id, added.value.id);
      assert.ok(
        (await storage.emails.add({ userId: tess.id, email: 'tess.new@example.org', confirmed: false })).ok,
      );
      assert.ok((await storage.phones.add({ userId: tess.id, phone: '+4915123456789' })).ok);
      await register(running, 'uma');
    });
    after(() => running.close());

    /** Signs in with `scope` (plus a Matrix device); returns the ID token's claims and userinfo's answer. */
    async function signIn(localpart: string, scope: string) {
      const verifier = oidc.randomPKCECodeVerifier();
      const browser = newBrowser(running.base);
      let page = await browser.get(
        oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT,
          scope: `${scope} urn:matrix:client:api:* urn:matrix:client:device:CLAIMS${++devices}`,
          state: 'st',
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        }).href,
      );
      page = await browser.submit(page, { username: localpart, password: PASSWORD });
      // The consent page says which contact details the app will see.
      const words = scope.split(' ');
      assert.equal(/See your email address/.test(page.html), words.includes('email'));
      assert.equal(/See your phone number/.test(page.html), words.includes('phone'));
      page = await browser.submit(page, { decision: 'allow' });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 'st',
      });
      const idToken = tokens.claims()!;
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
      const pick = (claims: Record<string, unknown>) =>
        Object.fromEntries(CONTACT_CLAIMS.filter((c) => c in claims).map((c) => [c, claims[c]]));
      return { idToken: pick(idToken), userinfo: pick(userinfo) };
    }

    test('scope email gives the primary verified address, scope phone the verified number', async () => {
      const both = await signIn('tess', 'openid email phone');
      const expected = {
        email: 'tess@example.org',
        email_verified: true,
        phone_number: '+4915123456789',
        phone_number_verified: true,
      };
      assert.deepEqual(both.idToken, expected, 'in the ID token');
      assert.deepEqual(both.userinfo, expected, 'and from userinfo');
    });

    test('each claim only with its scope', async () => {
      const email = await signIn('tess', 'openid email');
      assert.deepEqual(email.idToken, { email: 'tess@example.org', email_verified: true });
      assert.deepEqual(email.userinfo, { email: 'tess@example.org', email_verified: true });
      const phone = await signIn('tess', 'openid phone');
      assert.deepEqual(phone.idToken, { phone_number: '+4915123456789', phone_number_verified: true });
      assert.deepEqual(phone.userinfo, { phone_number: '+4915123456789', phone_number_verified: true });
      const none = await signIn('tess', 'openid');
      assert.deepEqual(none, { idToken: {}, userinfo: {} });
    });

    test('nothing unverified or absent is claimed', async () => {
      assert.deepEqual(await signIn('uma', 'openid email phone'), { idToken: {}, userinfo: {} });
    });

    test('discovery lists the phone scope and its claims', async () => {
      const metadata = config.serverMetadata();
      assert.ok(metadata.scopes_supported?.includes('phone'));
      for (const claim of CONTACT_CLAIMS) assert.ok(metadata.claims_supported?.includes(claim), claim);
    });
  });
}
