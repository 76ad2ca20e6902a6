import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { FormBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';

for (const kind of DATABASE_KINDS) {
  describe(`consent names the session a device takeover ends [${kind}]`, () => {
    let server: RunningMxauth;

    before(async () => {
      server = await startMxauth(kind);
      assert.ok((await server.mxauth.users.register({ localpart: 'tom', password: PASSWORD })).ok);
    });
    after(() => server.close());

    const verifier = oidc.randomPKCECodeVerifier();
    const authorize = async (browser: FormBrowser, config: oidc.Configuration, device: string) =>
      browser.get(
        oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT,
          scope: `urn:matrix:client:api:* urn:matrix:client:device:${device}`,
          state: 's',
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        }).href,
      );

    test('a device id the account already uses: the page says which session ends', async () => {
      const first = await registerClient(server, { client_name: 'First App' });
      const browser = new FormBrowser(server.base);
      let page = await authorize(browser, first, 'TAKEN');
      page = await browser.submit(page, { username: 'tom', password: PASSWORD });
      assert.match(page.html, /Sign in as a new device with the id TAKEN\./);
      page = await browser.submit(page, { decision: 'allow' });
      assert.ok(page.external);
      // The device session starts when the app redeems the code.
      await oidc.authorizationCodeGrant(first, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 's',
      });

      const second = await registerClient(server, { client_name: 'Second App' });
      page = await authorize(browser, second, 'TAKEN');
      assert.doesNotMatch(page.html, /a new device/);
      assert.match(page.html, /Take over the device TAKEN: this ends the session now using it \(First App/);

      page = await authorize(browser, second, 'FRESH');
      assert.match(page.html, /Sign in as a new device with the id FRESH\./);
    });
  });
}
