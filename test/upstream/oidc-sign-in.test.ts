import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';
import { OAUTH_CLIENT, OIDC_CLIENT, startUpstreamIdp, type UpstreamIdp } from '../helpers/upstream-idp.js';

const OIDC_ID = '01JAYS1XKN6ZQ2Y3S1WGVTA6HD';
const OAUTH_ID = '01JAYS1XKN6ZQ2Y3S1WGVTA6HE';

for (const kind of DATABASE_KINDS) {
  describe(`upstream sign-in through OpenID Connect and OAuth 2.0 [${kind}]`, () => {
    let idp: UpstreamIdp;
    let server: RunningMxauth;

    before(async () => {
      idp = await startUpstreamIdp();
      server = await startMxauth(kind, {
        upstream_oauth2: {
          providers: [
            {
              id: OIDC_ID,
              issuer: idp.issuer,
              human_name: 'Company SSO',
              client_id: OIDC_CLIENT.clientId,
              client_secret: OIDC_CLIENT.clientSecret,
              token_endpoint_auth_method: 'client_secret_basic',
              scope: 'openid profile email groups',
              on_backchannel_logout: 'logout_browser_only',
              attribute_requirements: [{ attribute: 'groups', value: 'staff' }],
              claims_imports: {
                skip_confirmation: true,
                localpart: { action: 'require', template: '{{ user.preferred_username | lower }}' },
                displayname: { action: 'force' },
                email: { action: 'force' },
              },
            },
            {
              id: OAUTH_ID,
              human_name: 'Hub',
              // Without discovery, the issuer is only what the callback's RFC 9207 `iss` is checked against.
              issuer: idp.issuer,
              discovery_mode: 'disabled',
              authorization_endpoint: idp.endpoints.authorization,
              token_endpoint: idp.endpoints.token,
              userinfo_endpoint: idp.endpoints.githubUser,
              fetch_userinfo: true,
              client_id: OAUTH_CLIENT.clientId,
              client_secret: OAUTH_CLIENT.clientSecret,
              token_endpoint_auth_method: 'client_secret_post',
              scope: 'read:user',
              claims_imports: {
                subject: { template: '{{ userinfo_claims.id }}' },
                localpart: { action: 'suggest', template: '{{ userinfo_claims.login }}' },
                displayname: { action: 'suggest', template: '{{ userinfo_claims.name }}' },
              },
            },
          ],
        },
      });
      idp.setRedirectUris([OIDC_ID, OAUTH_ID].map((id) => `${server.base}upstream/callback/${id}`));
      idp.setBackchannelLogoutUri(`${server.base}upstream/backchannel-logout/${OIDC_ID}`);
    });
    after(async () => {
      await server?.close();
      await idp?.stop();
    });

    const storage = () => server.mxauth.services!.storage;

    /** The account page's sign-in, through the provider's button on the login page. */
    const signInThrough = async (name: string) => {
      const browser = newBrowser(server.base).followAlso(idp.origin);
      const login = await browser.get('/account/');
      assert.match(login.html, new RegExp(`Continue with ${name}`));
      const button = login.html
        .match(new RegExp(`href="([^"]+)">Continue with ${name}<`))![1]!
        .replace(/&amp;/g, '&');
      return { browser, page: await browser.get(button) };
    };

    test('first sign-in creates the account from the claims; the second lands on it; a new name is synced', async () => {
      idp.setAccount({
        sub: 'u-alice',
        claims: {
          preferred_username: 'Alice',
          name: 'Alice A',
          email: 'alice@corp.example',
          email_verified: true,
          groups: ['staff'],
        },
      });
      idp.signInAs('u-alice');
      const first = await signInThrough('Company SSO');
      assert.equal(first.page.status, 200, first.page.html);
      assert.match(first.page.url, /\/account\/$/);
      const user = await storage().users.findByLocalpart('alice');
      assert.ok(user, 'the account was created');
      assert.equal(user.displayName, 'Alice A');
      const emails = await storage().emails.listForUser(user.id);
      assert.deepEqual(
        emails.map((e) => [e.email, e.confirmedAt !== null]),
        [['alice@corp.example', true]],
      );
      const links = await storage().upstreamLinks.listForUser(user.id);
      assert.deepEqual(
        links.map((l) => [l.providerId, l.subject]),
        [[OIDC_ID, 'u-alice']],
      );

      idp.setAccount({
        sub: 'u-alice',
        claims: {
          preferred_username: 'Alice',
          name: 'Alice Renamed',
          email: 'alice@corp.example',
          groups: ['staff'],
        },
      });
      const second = await signInThrough('Company SSO');
      assert.match(second.page.url, /\/account\/$/);
      assert.equal(await storage().users.count(), 1, 'no second account');
      assert.equal((await storage().users.findById(user.id))?.displayName, 'Alice Renamed');
    });

    test('a person without the required group is refused with a page saying why', async () => {
      idp.setAccount({ sub: 'u-bob', claims: { preferred_username: 'bob', groups: ['contractors'] } });
      idp.signInAs('u-bob');
      const { page } = await signInThrough('Company SSO');
      assert.equal(page.status, 403);
      assert.match(page.html, /groups = staff/);
      assert.equal(await storage().users.findByLocalpart('bob'), undefined);
    });

    test('the plain OAuth 2.0 provider (no ID token, userinfo only) shows the choice page for a suggested name', async () => {
      idp.setAccount({ sub: 'u-carol', claims: { preferred_username: 'carol', name: 'Carol C' } });
      idp.signInAs('u-carol');
      const { browser, page } = await signInThrough('Hub');
      assert.equal(page.status, 200, page.html);
      assert.match(page.html, /name="username" value="carol"/);
      const done = await browser.submit(page, { username: 'carol2', import_display_name: 'on' });
      assert.match(done.url, /\/account\/$/, done.html);
      const user = await storage().users.findByLocalpart('carol2');
      assert.equal(user?.displayName, 'Carol C');
    });

    test('a forged state, no state, an unknown provider and huge parameters get a page, never a 5xx', async () => {
      idp.setAccount({ sub: 'u-dan', claims: { preferred_username: 'dan', groups: ['staff'] } });
      idp.signInAs('u-dan');
      const browser = newBrowser(server.base).followAlso(idp.origin);
      const login = await browser.get('/account/');
      const button = login.html
        .match(/href="([^"]+)">Continue with Company SSO</)![1]!
        .replace(/&amp;/g, '&');
      // Stop at the callback: follow mxauth → IdP, and read the IdP's redirect back by hand.
      const toIdp = await fetch(new URL(button, server.base), {
        redirect: 'manual',
        headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      assert.equal(toIdp.status, 302);
      const tampered = await browser.get(`/upstream/callback/${OIDC_ID}?state=forged&code=x`);
      assert.equal(tampered.status, 400);
      assert.match(tampered.html, /not known here/);
      const bare = await browser.get(`/upstream/callback/${OIDC_ID}`);
      assert.equal(bare.status, 400);
      const unknown = await browser.get('/upstream/callback/01JAYS1XKN6ZQ2Y3S1WGVTA6HZ?state=x');
      assert.equal(unknown.status, 404);
      const huge = await browser.get(
        `/upstream/callback/${OIDC_ID}?state=${'a'.repeat(6000)}&code=${'b'.repeat(6000)}`,
      );
      assert.ok(huge.status < 500, String(huge.status));
    });

    test('a back-channel logout token ends the browser session it signed in', async () => {
      idp.setAccount({ sub: 'u-erin', claims: { preferred_username: 'erin', groups: ['staff'] } });
      idp.signInAs('u-erin');
      const { browser, page } = await signInThrough('Company SSO');
      assert.match(page.url, /\/account\/$/);
      const sid = idp.lastSid('u-erin');
      assert.ok(sid);
      const token = await idp.logoutToken({ sub: 'u-erin', sid });
      const bad = await fetch(`${server.base}upstream/backchannel-logout/${OIDC_ID}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          logout_token: await idp.logoutToken({ sub: 'u-erin', sid, sign: 'other-key' }),
        }),
      });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { error: string }).error, 'invalid_request');
      const response = await fetch(`${server.base}upstream/backchannel-logout/${OIDC_ID}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }),
      });
      assert.equal(response.status, 200);
      const again = await browser.get('/account/');
      assert.match(again.html, /Continue with Company SSO/, 'signed out: the login page again');
    });

    test('the provider down gives a page naming it, with the other ways in', async () => {
      idp.setMode('down');
      try {
        const { page } = await signInThrough('Hub');
        // The plain OAuth provider has no discovery: the token endpoint is what fails.
        assert.ok(page.status >= 400 && page.status < 600);
        assert.match(page.html, /Hub/);
        assert.match(page.html, /Sign in another way/);
      } finally {
        idp.setMode('ok');
      }
    });
  });
}
