import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { type Browser, chromium, type Page } from 'playwright-core';
import { collectPageProblems } from '../helpers/chromium.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';
import { API_SCOPE, lastCode, mailsTo, PASSWORD, REDIRECT } from './helpers.js';

const CHROMIUM = process.env.MXAUTH_TEST_CHROMIUM ?? '/usr/bin/chromium';
const TERMS = 'https://example.test/terms';

/** axe-core, evaluated in the page (the CSP forbids adding it as an inline script). */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.1 A and AA violations on the page, in the light and the dark scheme. */
async function violations(page: Page, name: string): Promise<string[]> {
  const found: string[] = [];
  // The pointer stays where the last click was; a link it happens to hover is not what is audited.
  await page.mouse.move(0, 0);
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.evaluate(AXE);
    const result = (await page.evaluate(
      "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })",
    )) as { violations: { id: string; nodes: { target: string[] }[] }[] };
    for (const v of result.violations)
      found.push(`${name} (${colorScheme}): ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }
  return found;
}

for (const kind of DATABASE_KINDS) {
  describe(`live hints on the registration page, in Chromium [${kind}]`, () => {
    let server: RunningMxauth;
    let client: oidc.Configuration;
    let browser: Browser;

    before(async () => {
      assert.ok(
        existsSync(CHROMIUM),
        `the browser tests need Chromium at ${CHROMIUM} (apt-get install chromium)`,
      );
      server = await startMxauth(kind, {
        account: {
          password_registration_enabled: true,
          password_registration_email_required: false,
          password_recovery_enabled: true,
        },
        branding: { tos_uri: TERMS },
      });
      // Registered without accepting the terms: signing in asks for them.
      assert.ok(
        (
          await server.mxauth.users.register({
            localpart: 'plain',
            password: PASSWORD,
            email: 'plain@example.org',
          })
        ).ok,
      );
      client = await registerClient(server);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
      });
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('the script shows whether the name is free and rates the password, within the CSP', async () => {
      const context = await browser.newContext({
        locale: 'en-US',
        extraHTTPHeaders: { 'x-forwarded-for': '198.18.200.1' },
      });
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      const problems = collectPageProblems(page);
      const url = oidc.buildAuthorizationUrl(client, {
        redirect_uri: REDIRECT,
        scope: API_SCOPE,
        prompt: 'create',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      });
      await page.goto(url.href);
      await page.getByRole('heading', { name: 'Create an account' }).waitFor();

      const username = page.getByLabel('Username', { exact: true });
      const status = page.locator('#username-status');
      await username.fill('plain');
      await page.locator('#username-status', { hasText: 'already taken' }).waitFor();
      assert.equal(await status.getAttribute('data-state'), 'taken');
      await username.fill('freshname');
      await page.locator('#username-status', { hasText: 'is available' }).waitFor();
      assert.equal(await status.getAttribute('data-state'), 'ok');

      const password = page.getByLabel('Password', { exact: true });
      const meter = page.locator('#password-meter');
      await password.fill('freshname1');
      await page.locator('#password-feedback', { hasText: 'too weak' }).waitFor();
      // The meter's value property reflects into its attribute.
      assert.ok(Number(await meter.getAttribute('value')) < 3);
      await password.fill(PASSWORD);
      await page.locator('#password-feedback', { hasText: 'Strong enough.' }).waitFor();
      assert.equal(await meter.getAttribute('value'), '4');
      assert.ok(await meter.isVisible(), 'the meter is visible');

      await page.getByLabel('Repeat the password').fill(PASSWORD);
      await page.getByLabel('I accept the terms of service.').check();
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      assert.deepEqual(problems, [], 'no script errors and no CSP violations');
      await context.close();
    });

    test('the registration, terms and recovery pages have no WCAG 2.1 A/AA violations', async () => {
      // Without motion, colours do not transition: axe measures them settled.
      const context = await browser.newContext({
        locale: 'en-US',
        reducedMotion: 'reduce',
        extraHTTPHeaders: { 'x-forwarded-for': '198.18.200.2' },
      });
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      const problems: string[] = [];
      const start = async (extra: Record<string, string> = {}) =>
        page.goto(
          oidc.buildAuthorizationUrl(client, {
            redirect_uri: REDIRECT,
            scope: API_SCOPE,
            code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
            code_challenge_method: 'S256',
            ...extra,
          }).href,
        );

      await start({ prompt: 'create' });
      await page.getByLabel('Username', { exact: true }).fill('Not Valid');
      await page.getByLabel('Password', { exact: true }).fill('short');
      await page.getByLabel('Repeat the password').fill('other');
      await page.getByLabel('I accept the terms of service.').check();
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('alert').waitFor();
      problems.push(...(await violations(page, 'registration refused')));

      await page.getByLabel('Username', { exact: true }).fill('mailer');
      await page.getByLabel('Email address (optional)').fill('mailer@example.org');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Repeat the password').fill(PASSWORD);
      await page.getByLabel('I accept the terms of service.').check();
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Confirm your email address' }).waitFor();
      await page.getByLabel('Code').fill('000000');
      await page.getByRole('button', { name: 'Confirm and create account' }).click();
      await page.getByRole('alert').waitFor();
      problems.push(...(await violations(page, 'code')));
      await page.getByLabel('Code').fill(await lastCode(server, 'mailer@example.org'));
      await page.getByRole('button', { name: 'Confirm and create account' }).click();
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();

      await context.clearCookies();
      await start();
      await page.getByLabel('Username').fill('plain');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Terms of service' }).waitFor();
      problems.push(...(await violations(page, 'terms')));
      await page.getByLabel('I accept the terms of service.').check();
      await page.getByRole('button', { name: 'Accept and continue' }).click();
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();

      await page.goto(`${server.base}recover`);
      problems.push(...(await violations(page, 'recovery')));
      await page.getByLabel('Email address').fill('plain@example.org');
      await page.getByRole('button', { name: 'Send link' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      problems.push(...(await violations(page, 'recovery sent')));
      const mail = await eventually('the recovery link is queued', async () => {
        const found = (await mailsTo(server, 'plain@example.org')).find(
          (m) => m.message.kind === 'recovery_link',
        );
        return found?.message.kind === 'recovery_link' ? found.message.url : undefined;
      });
      await page.goto(mail);
      await page.getByLabel('New password').fill('weak');
      await page.getByLabel('Repeat the password').fill('weak');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('alert').waitFor();
      problems.push(...(await violations(page, 'new password')));
      await page.getByLabel('New password').fill('purple elephant juggles seven lanterns');
      await page.getByLabel('Repeat the password').fill('purple elephant juggles seven lanterns');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('heading', { name: 'Password changed' }).waitFor();
      problems.push(...(await violations(page, 'password changed')));
      await page.goto(mail);
      await page.getByRole('heading', { name: 'This link does not work' }).waitFor();
      problems.push(...(await violations(page, 'link used')));
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
