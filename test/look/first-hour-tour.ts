import * as oidc from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { createTestDatabase } from '../helpers/databases.js';
import { databaseOutage } from '../helpers/db-outage.js';
import { registerClient, startMxauth } from '../helpers/oauth-server.js';
import { TOUR_PASSWORD, type Tour } from './tour.js';

/**
 * The pages a new admin and a new user meet in the first hour (issue 14): the start page, a page that
 * does not exist, an unknown app in English and German, consent for an app whose logo fails, the
 * password page after a refusal, and the page while the database is down.
 */
export const FIRST_HOUR_PAGES = [
  'home',
  'not-found',
  'unknown-client-en',
  'unknown-client-de',
  'consent-failing-logo',
  'password-refused',
  'database-down',
] as const;
export type FirstHourPage = (typeof FIRST_HOUR_PAGES)[number];

export async function walkFirstHourPages(
  tour: Tour,
  context: BrowserContext,
  visit: (name: FirstHourPage, page: Page) => Promise<void>,
): Promise<void> {
  const { server } = tour;
  const page = await context.newPage();
  await page.goto(server.base);
  await visit('home', page);
  await page.goto(`${server.base}no/such/page`);
  await visit('not-found', page);

  const unknown = `${server.base}authorize?client_id=nobody&response_type=code&scope=openid`;
  await page.goto(unknown);
  await visit('unknown-client-en', page);
  // The language switch's parameter: German from here on (its cookie), English again after.
  await page.goto(`${unknown}&lang=de`);
  await page.waitForSelector('html[lang=de]');
  await visit('unknown-client-de', page);
  await page.goto(`${server.base}?lang=en`);

  // An app whose logo, on its own https site, does not load (the test context answers it with HTML).
  const logoApp = await registerClient(server, {
    client_name: 'Photo Share',
    client_uri: 'https://app.example.com/',
    logo_uri: 'https://app.example.com/logo.png',
  });
  const verifier = oidc.randomPKCECodeVerifier();
  await page.goto(
    oidc.buildAuthorizationUrl(logoApp, {
      redirect_uri: 'https://app.example.com/cb',
      scope: `urn:matrix:client:api:* urn:matrix:client:device:LOGO${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
      state: 'tour',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).href,
  );
  await page.fill('input[name=username]', tour.localpart);
  await page.fill('input[name=password]', TOUR_PASSWORD);
  await page.press('input[name=password]', 'Enter');
  await page.waitForSelector('button[name=decision][value=allow]');
  await page.waitForLoadState('load');
  await visit('consent-failing-logo', page);

  // Signed in to mxauth now: the password page, refused for a wrong current password.
  await page.goto(`${server.base}account/password`);
  await page.fill('input[name=current_password]', 'not the password at all');
  await page.fill('input[name=new_password]', 'seven quiet lanterns by the sea');
  await page.fill('input[name=new_password_confirm]', 'seven quiet lanterns by the sea');
  await page.click('form:has(input[name=current_password]) button[type=submit]');
  await page.waitForSelector('[aria-invalid=true]');
  await visit('password-refused', page);

  // A server of its own whose database goes away under an open sign-in page.
  const database = await createTestDatabase('sqlite');
  const outage = await databaseOutage(database);
  const down = await startMxauth('sqlite', { database: { uri: outage.uri } }, { database });
  try {
    const client = await registerClient(down);
    await page.goto(
      oidc.buildAuthorizationUrl(client, {
        redirect_uri: 'https://app.example.com/cb',
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).href,
    );
    await page.waitForSelector('input[name=password]');
    await outage.cut(down.mxauth);
    await page.reload();
    await page.waitForSelector('text=temporarily unavailable');
    await visit('database-down', page);
  } finally {
    await down.close().catch(() => {});
    await outage.close();
    await database.drop();
  }
  await page.close();
}
