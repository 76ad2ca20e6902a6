import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const LOGO = 'https://app.example.com/logo.svg';
/** A logo that loads: a red square. */
const RED_SQUARE =
  '<svg xmlns="http://www.w3.org/2000/svg" width="52" height="52"><rect width="52" height="52" fill="#ff0000"/></svg>';

/** What the test reads of the logo's <img> (the DOM's types are not in this project's lib). */
interface Logo {
  hidden: boolean;
  naturalWidth: number;
}

let addresses = 0;

/**
 * A browser context whose app.example.com serves `logo` (undefined: a 404 page, as a moved or broken
 * logo would be), with or without JavaScript.
 */
async function contextWith(browser: Browser, logo: string | undefined, javaScript: boolean) {
  addresses++;
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    javaScriptEnabled: javaScript,
    extraHTTPHeaders: { 'x-forwarded-for': `198.19.0.${addresses}` },
  });
  context.setDefaultTimeout(10_000);
  await context.route('https://app.example.com/**', (route) =>
    route.request().url() === LOGO && logo !== undefined
      ? route.fulfill({ status: 200, contentType: 'image/svg+xml', body: logo })
      : route.fulfill({ status: 404, contentType: 'text/html', body: '<!doctype html><title>gone</title>' }),
  );
  return context;
}

// How a failed logo looks depends on the browser, not the database: once, on SQLite.
describe('a client logo that fails to load, in Chromium [sqlite]', () => {
  let browser: Browser;
  let server: RunningMxauth;
  let withLogo: oidc.Configuration;
  let withoutLogo: oidc.Configuration;

  before(async () => {
    browser = await launchChromium();
    server = await startMxauth('sqlite');
    assert.ok((await server.mxauth.users.register({ localpart: 'someone', password: PASSWORD })).ok);
    withLogo = await registerClient(server, { client_name: 'Test App', logo_uri: LOGO });
    withoutLogo = await registerClient(server, { client_name: 'Test App' });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /**
   * The logo block less 4px all round: the rounded corners' edge pixels blend each layer under them, so
   * two stacked layers never match one there; everything inside (the square, the letter, a broken-image
   * icon's place at the top left) must match exactly.
   */
  async function inside(page: Page): Promise<Buffer> {
    const box = await page.locator('.client-logo').boundingBox();
    assert.ok(box);
    return page.screenshot({
      clip: { x: box.x + 4, y: box.y + 4, width: box.width - 8, height: box.height - 8 },
    });
  }

  /** Signs in through the real form and returns a picture of the consent page's logo block. */
  async function logoOnConsent(context: BrowserContext, client: oidc.Configuration, javaScript: boolean) {
    const page = await context.newPage();
    const verifier = oidc.randomPKCECodeVerifier();
    await page.goto(
      oidc.buildAuthorizationUrl(client, {
        redirect_uri: 'https://app.example.com/cb',
        scope: 'urn:matrix:client:api:*',
        state: 'st',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).href,
    );
    await page.fill('input[name=username]', 'someone');
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(/\/consent|\/interaction\//), page.click('button[type=submit]')]);
    const block = page.locator('.client-logo');
    await block.waitFor();
    // Every image of the page has loaded or failed by now.
    await page.waitForLoadState('load');
    const img = page.locator('.client-logo img');
    if ((await img.count()) === 0) return { picture: await inside(page), state: undefined };
    const failed = await img.evaluate((e) => (e as unknown as Logo).naturalWidth === 0);
    // With JavaScript, the page script hides a failed logo once its decode() has failed.
    if (javaScript && failed) await page.waitForFunction("document.querySelector('.client-logo img').hidden");
    const state = await img.evaluate((e) => ({
      hidden: (e as unknown as Logo).hidden,
      loaded: (e as unknown as Logo).naturalWidth > 0,
    }));
    return { picture: await inside(page), state };
  }

  test('without JavaScript, a broken logo looks exactly like the initial (no broken-image icon)', async () => {
    const initial = await contextWith(browser, undefined, false);
    const broken = await contextWith(browser, undefined, false);
    const working = await contextWith(browser, RED_SQUARE, false);
    try {
      const expected = (await logoOnConsent(initial, withoutLogo, false)).picture;
      const failed = await logoOnConsent(broken, withLogo, false);
      assert.deepEqual(
        failed.state,
        { hidden: false, loaded: false },
        'the logo did fail, and no script ran',
      );
      assert.ok(failed.picture.equals(expected), 'the broken logo is drawn as the initial');
      const shown = await logoOnConsent(working, withLogo, false);
      assert.deepEqual(shown.state, { hidden: false, loaded: true });
      assert.ok(!shown.picture.equals(expected), 'a logo that loads covers the initial');
    } finally {
      await Promise.all([initial.close(), broken.close(), working.close()]);
    }
  });

  test('with JavaScript, the page script hides a broken logo, uncovering the initial', async () => {
    const initial = await contextWith(browser, undefined, true);
    const broken = await contextWith(browser, undefined, true);
    const working = await contextWith(browser, RED_SQUARE, true);
    try {
      const expected = (await logoOnConsent(initial, withoutLogo, true)).picture;
      const failed = await logoOnConsent(broken, withLogo, true);
      assert.deepEqual(failed.state, { hidden: true, loaded: false });
      assert.ok(failed.picture.equals(expected));
      const shown = await logoOnConsent(working, withLogo, true);
      assert.deepEqual(shown.state, { hidden: false, loaded: true }, 'a logo that loads stays');
    } finally {
      await Promise.all([initial.close(), broken.close(), working.close()]);
    }
  });
});
