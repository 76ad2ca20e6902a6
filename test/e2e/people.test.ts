import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, newContext } from '../helpers/chromium.js';
import { ContractHomeserver } from '../helpers/contract-homeserver.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { introspectAsHomeserver, QUICK_OUTBOX, REDIRECT } from '../helpers/homeserver-flows.js';
import {
  catcherEmailConfig,
  codeIn,
  linkIn,
  type MailCatcher,
  startMailCatcher,
} from '../helpers/mail-catcher.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

/*
 * A person's whole life with mxauth, in Debian's Chromium through the real pages, with a real SMTP
 * listener reading the mails and a strict Synapse double seeing what the homeserver is told.
 */

const SECRET = 'people-flow-shared-secret';
const FIRST_PASSWORD = 'violet kettle marching north';
const SECOND_PASSWORD = 'seven quiet lanterns by the sea';
const THIRD_PASSWORD = 'a copper moth reads old maps';

for (const kind of DATABASE_KINDS) {
  describe(`a person in the browser [${kind}]`, () => {
    let chromium: Browser;
    let mail: MailCatcher;
    let homeserver: ContractHomeserver;
    let server: RunningMxauth;
    let client: oidc.Configuration;

    before(async () => {
      chromium = await launchChromium();
      mail = await startMailCatcher();
      homeserver = new ContractHomeserver('example.test', SECRET);
      await homeserver.start();
      server = await startMxauth(
        kind,
        {
          matrix: {
            kind: 'synapse',
            homeserver: 'example.test',
            endpoint: homeserver.endpoint,
            secret: SECRET,
          },
          account: {
            password_registration_enabled: true,
            login_with_email_allowed: true,
            password_recovery_enabled: true,
          },
          email: catcherEmailConfig(mail),
          // One person in one browser checks a password five times here (sign-in, password change,
          // recovery, deactivation): more than the default allowance of 3 per address at once.
          rate_limiting: { login: { per_ip: { burst: 10 } } },
        },
        { mxauth: { outbox: QUICK_OUTBOX } },
      );
      client = await oidc.dynamicClientRegistration(
        new URL(server.base),
        {
          client_name: 'Element',
          client_uri: 'https://app.example.com/',
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
        },
        oidc.None(),
        { execute: [oidc.allowInsecureRequests] },
      );
    });
    after(async () => {
      await server?.close();
      await homeserver?.stop();
      await mail?.close();
      await chromium?.close();
      assert.deepEqual(homeserver.violations, [], 'every homeserver call kept to the contract');
    });

    /** Starts an authorization for `device` in `page`; `finish` gets the code out and redeems it. */
    async function authorize(page: Page, device: string, extra: Record<string, string> = {}) {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(client, {
        redirect_uri: REDIRECT,
        scope: `urn:matrix:client:api:* urn:matrix:client:device:${device}`,
        state,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        ...extra,
      });
      await page.goto(url.href);
      return {
        /** Allows on the consent page and redeems the code the app receives. */
        async consent() {
          await page.getByRole('button', { name: 'Allow' }).click();
          await page.waitForURL((u) => u.href.startsWith(REDIRECT));
          const tokens = await oidc.authorizationCodeGrant(client, new URL(page.url()), {
            pkceCodeVerifier: verifier,
            expectedState: state,
          });
          return tokens.access_token;
        },
      };
    }

    async function signIn(page: Page, username: string, password: string) {
      await page.getByLabel(/^Username/).fill(username);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Continue' }).click();
    }

    const introspect = (token: string) => introspectAsHomeserver(server.base, SECRET, token);
    const deviceDeletions = () => homeserver.callsOf('delete_device').map((c) => String(c.body?.device_id));

    let browser: BrowserContext;
    let page: Page;
    let firstToken: string;
    let secondToken: string;

    test('registers with an emailed code, allows the app, and the app holds a working token', async () => {
      browser = await newContext(chromium);
      page = await browser.newPage();
      const flow = await authorize(page, 'DORAPHONE', { prompt: 'create' });
      await page.getByLabel('Username').fill('dora');
      await page.getByLabel('Email address').fill('dora@example.org');
      await page.getByLabel('Password', { exact: true }).fill(FIRST_PASSWORD);
      await page.getByLabel('Repeat the password').fill(FIRST_PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();

      const code = codeIn(await mail.nextTo('dora@example.org'));
      await page.getByLabel(/code/i).first().fill(code);
      await page
        .getByRole('button', { name: /confirm|verify|continue/i })
        .first()
        .click();
      firstToken = await flow.consent();

      const answer = await introspect(firstToken);
      assert.equal(answer.active, true);
      assert.equal(answer.username, 'dora');
      assert.equal(answer.device_id, 'DORAPHONE');
      assert.deepEqual(
        homeserver.users.get('dora')?.emails,
        ['dora@example.org'],
        'provisioned with the address',
      );
      assert.ok(
        homeserver.users.get('dora')?.devices.has('DORAPHONE'),
        'the device exists on the homeserver',
      );
    });

    test('signs out of the browser, then back in with the email address', async () => {
      await page.goto(`${server.base}oauth2/logout`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByText('You are signed out.').waitFor();

      const flow = await authorize(page, 'DORALAPTOP');
      await signIn(page, 'dora@example.org', FIRST_PASSWORD);
      secondToken = await flow.consent();
      assert.equal((await introspect(secondToken)).device_id, 'DORALAPTOP');
    });

    test('adds and verifies a second email address on the account page', async () => {
      await page.goto(`${server.base}account/emails`);
      await page.getByRole('textbox', { name: /^Email address/ }).fill('dora@work.example');
      await page.getByRole('button', { name: 'Send code' }).click();
      const code = codeIn(await mail.nextTo('dora@work.example'));
      await page.getByRole('textbox', { name: /^Code/ }).fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByText('dora@work.example').first().waitFor();
      const emails = await server.mxauth.services.storage.emails.listForUser((await user()).id);
      assert.deepEqual(
        emails.map((e) => [e.email, e.confirmedAt !== null]),
        [
          ['dora@example.org', true],
          ['dora@work.example', true],
        ],
      );
    });

    test('changes the password: the old one stops working, the new one works', async () => {
      await page.goto(`${server.base}account/password`);
      await page.getByLabel('Current password').fill(FIRST_PASSWORD);
      await page.getByLabel(/^New password(?! again)/).fill(SECOND_PASSWORD);
      await page.getByLabel('New password again').fill(SECOND_PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('status').first().waitFor();
      assert.equal((await server.mxauth.users.checkPassword('dora', FIRST_PASSWORD)).ok, false);
      assert.equal((await server.mxauth.users.checkPassword('dora', SECOND_PASSWORD)).ok, true);
    });

    test('lists the devices and signs one out; the homeserver deletes it', async () => {
      await page.goto(`${server.base}account/devices`);
      const row = page.getByRole('row').filter({ hasText: 'DORAPHONE' });
      await row.waitFor();
      assert.equal(await page.getByRole('row').filter({ hasText: 'DORALAPTOP' }).count(), 1);
      await row.getByRole('button', { name: /sign out/i }).click();
      await page.getByRole('status').first().waitFor();
      assert.equal((await introspect(firstToken)).active, false, 'its token is dead at once');
      await eventually('the homeserver deleted the device', () => deviceDeletions().includes('DORAPHONE'));
      assert.equal((await introspect(secondToken)).active, true, 'the other device is untouched');
    });

    test('recovers the password from the emailed link, in another browser', async () => {
      const other = await newContext(chromium);
      const recovery = await other.newPage();
      await recovery.goto(`${server.base}recover`);
      await recovery.getByRole('textbox', { name: /email/i }).fill('dora@work.example');
      await recovery.getByRole('button', { name: 'Send link' }).click();
      await recovery.getByText('Check your email').first().waitFor();
      const link = linkIn(await mail.nextTo('dora@work.example', { skip: 1 }), `${server.base}recover/`);
      await recovery.goto(link);
      await recovery.getByLabel('New password', { exact: true }).fill(THIRD_PASSWORD);
      await recovery.getByLabel('Repeat the password').fill(THIRD_PASSWORD);
      await recovery.getByRole('button', { name: 'Set password' }).click();
      await recovery.getByText('all your devices are signed out').waitFor();
      assert.equal((await server.mxauth.users.checkPassword('dora', THIRD_PASSWORD)).ok, true);
      assert.equal(
        (await introspect(secondToken)).active,
        false,
        'signing out everywhere is ticked by default',
      );
      await eventually('the homeserver deleted the other device', () =>
        deviceDeletions().includes('DORALAPTOP'),
      );

      await recovery.goto(link);
      assert.match(await recovery.content(), /already used or has expired/, 'the link works once');
      await other.close();
    });

    test('deactivates the account; the homeserver deactivates the user', async () => {
      const flow = await authorize(page, 'DORATABLET');
      // The recovery signed every browser out: this one signs in again, with the newest password.
      await signIn(page, 'dora', THIRD_PASSWORD);
      const token = await flow.consent();
      await page.goto(`${server.base}account/deactivate`);
      await page.getByLabel('Your password, to confirm').fill(THIRD_PASSWORD);
      await page.getByRole('button', { name: 'Deactivate my account' }).click();
      await page.getByRole('heading', { name: 'Your account is deactivated' }).waitFor();
      await eventually(
        'the homeserver deactivated dora',
        () => homeserver.users.get('dora')?.deactivated === true,
      );
      assert.equal((await introspect(token)).active, false);
      assert.ok((await user()).deactivatedAt instanceof Date);
      await browser.close();
    });

    async function user() {
      const found = await server.mxauth.services.storage.users.findByLocalpart('dora');
      assert.ok(found);
      return found;
    }
  });
}
