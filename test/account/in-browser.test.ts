import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { collectPageProblems, launchChromium, newContext } from '../helpers/chromium.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { signInDevice } from '../helpers/homeserver-flows.js';
import { type RunningMxauth, registerClient } from '../helpers/oauth-server.js';
import { PASSWORD, register, startPlain } from './support.js';

/**
 * What only a real browser shows of the account pages: the password page's meter filled by the script as
 * the person types (within the CSP), the header's Sign out button posting the form it is tied to, and
 * the Rename disclosure opening without a script.
 */
for (const kind of DATABASE_KINDS) {
  describe(`account pages in Chromium [${kind}]`, () => {
    let running: RunningMxauth;
    let chromium: Browser;

    before(async () => {
      running = await startPlain(kind);
      const client = await registerClient(running, { client_name: 'Element' });
      await register(running, 'xena');
      await signInDevice(running.base, client, { localpart: 'xena', password: PASSWORD }, 'XENAPHONE');
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await running?.close();
    });

    /** A page signed in to `path`, collecting script errors, CSP refusals and failed requests. */
    async function signedInPage(path: string): Promise<{ page: Page; problems: string[] }> {
      const context = await newContext(chromium);
      const page = await context.newPage();
      const problems = collectPageProblems(page);
      await page.goto(`${running.base}${path}`);
      await page.fill('input[name=username]', 'xena');
      await page.fill('input[name=password]', PASSWORD);
      await page.press('input[name=password]', 'Enter');
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      return { page, problems };
    }

    test('the password page’s meter rates the new password as it is typed', async () => {
      const { page, problems } = await signedInPage('account/password');
      const meter = page.locator('#password-meter');
      assert.equal(await meter.getAttribute('value'), '0');
      await page.getByLabel('New password', { exact: true }).fill('purple elephant juggles seven lanterns');
      await page.locator('#password-feedback', { hasText: 'Strong enough.' }).waitFor();
      assert.equal(await meter.evaluate((m) => Number((m as unknown as { value: number }).value)), 4);
      await page.getByLabel('New password', { exact: true }).fill('xena2024');
      await page.locator('#password-feedback', { hasText: /too weak|guess/i }).waitFor();
      assert.ok((await meter.evaluate((m) => Number((m as unknown as { value: number }).value))) < 3);
      assert.deepEqual(problems, [], 'no script error, CSP refusal or failed request');
      await page.context().close();
    });

    test('Rename opens its form in place, and the header’s Sign out signs this browser out', async () => {
      const { page, problems } = await signedInPage('account/devices');
      const field = page.getByLabel('New name for device XENAPHONE');
      assert.equal(await field.isVisible(), false, 'the name box is closed at first');
      await page
        .getByRole('row', { name: /XENAPHONE/ })
        .getByText('Rename', { exact: true })
        .click();
      await field.fill('Xena’s phone');
      await page.getByRole('button', { name: 'Save name' }).click();
      await page.getByText('The device was renamed.').waitFor();
      await page
        .getByRole('cell', { name: /Xena’s phone/ })
        .first()
        .waitFor();

      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
      await page.getByRole('link', { name: 'Sign in again' }).click();
      await page.locator('input[name=password]').waitFor();
      assert.deepEqual(problems, []);
      await page.context().close();
    });
  });
}
