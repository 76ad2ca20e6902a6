import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, newContext } from '../helpers/chromium.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, startMxauth, tokenRequest } from '../helpers/oauth-server.js';

/*
 * Every HTML page says `form-action 'self'`; Chromium applies it to the redirects after a submission
 * too. So the forms whose answer ends at a client (sign-in, consent, the engine's form_post page, the
 * sign-out question) must name that client's address, and only that one: these flows in a real
 * browser are what fails when they do not.
 */

const PASSWORD = 'orange lantern quietly humming';
const APP = 'https://app.example.com';
const REDIRECT = `${APP}/cb`;
const AFTER_LOGOUT = `${APP}/signed-out`;

const formAction = (csp: string | null) =>
  (csp ?? '')
    .split(';')
    .map((d) => d.trim().split(/\s+/))
    .find(([name]) => name === 'form-action')
    ?.slice(1);

for (const kind of DATABASE_KINDS) {
  describe(`forms that end at a client, in Chromium [${kind}]`, () => {
    let chromium: Browser;
    let server: RunningMxauth;
    let client: oidc.Configuration;
    let context: BrowserContext;
    let page: Page;
    /** What the app's redirect URI received: method, URL and form body. */
    const arrivals: { method: string; url: string; body: string }[] = [];

    before(async () => {
      chromium = await launchChromium();
      server = await startMxauth(kind);
      assert.ok((await server.mxauth.users.register({ localpart: 'flora', password: PASSWORD })).ok);
      client = await oidc.dynamicClientRegistration(
        new URL(server.base),
        {
          client_uri: `${APP}/`,
          redirect_uris: [REDIRECT],
          post_logout_redirect_uris: [AFTER_LOGOUT],
          token_endpoint_auth_method: 'none',
        },
        oidc.None(),
        { execute: [oidc.allowInsecureRequests] },
      );
      context = await newContext(chromium);
      await context.route(`${APP}/**`, (route) => {
        const request = route.request();
        arrivals.push({ method: request.method(), url: request.url(), body: request.postData() ?? '' });
        return route.fulfill({
          status: 200,
          contentType: 'text/html',
          body: '<!doctype html><title>app</title>',
        });
      });
      page = await context.newPage();
    });
    after(async () => {
      await context?.close();
      await chromium?.close();
      await server?.close();
    });

    const authorize = async (extra: Record<string, string>) => {
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(client, {
        redirect_uri: REDIRECT,
        scope: 'openid urn:matrix:client:api:*',
        state: 'st',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        ...extra,
      });
      return { verifier, response: await page.goto(url.href) };
    };

    test('the sign-in page allows posting to mxauth and to this client only', async () => {
      const { response } = await authorize({});
      assert.deepEqual(formAction(response!.headers()['content-security-policy'] ?? null), ["'self'", APP]);
      // A page no client is involved in keeps the strict default.
      const recover = await fetch(`${server.base}account/`);
      assert.deepEqual(formAction(recover.headers.get('content-security-policy')), ["'self'"]);
    });

    test('signing in and allowing reaches the redirect URI with a code', async () => {
      arrivals.length = 0;
      await page.getByLabel(/^Username/).fill('flora');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((u) => u.href.startsWith(REDIRECT));
      assert.ok(new URL(page.url()).searchParams.get('code'), 'the app got a code');
    });

    let idToken: string;
    test('response_mode=form_post: the engine page posts the code to the app', async () => {
      arrivals.length = 0;
      const { verifier } = await authorize({ response_mode: 'form_post' });
      // Signed in already; every new device is allowed by name.
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((u) => u.href.startsWith(REDIRECT));
      const posted = arrivals.find((a) => a.method === 'POST');
      assert.ok(posted, 'the form reached the app');
      const code = new URLSearchParams(posted.body).get('code');
      assert.ok(code);
      const token = await tokenRequest(server.base, client.clientMetadata().client_id, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
      });
      assert.equal(token.status, 200);
      idToken = token.body.id_token!;
    });

    test('the sign-out question sends the browser on to the post-logout URI', async () => {
      arrivals.length = 0;
      const logout = oidc.buildEndSessionUrl(client, {
        id_token_hint: idToken,
        post_logout_redirect_uri: AFTER_LOGOUT,
        state: 'bye',
      });
      const response = await page.goto(logout.href);
      assert.deepEqual(formAction(response!.headers()['content-security-policy'] ?? null), ["'self'", APP]);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${AFTER_LOGOUT}?state=bye`);
    });
  });
}
