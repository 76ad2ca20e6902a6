import * as oidc from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { MAIL_QUEUE } from '../../src/services/messages.js';
import { type RunningMxauth, registerClient } from '../helpers/oauth-server.js';

/** The pages people see most, in the order a first sign-in meets them. */
export const MAIN_PAGES = ['register', 'login', 'consent', 'account', 'error'] as const;
export type MainPage = (typeof MAIN_PAGES)[number];

export const TOUR_PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';

export interface Tour {
  server: RunningMxauth;
  client: oidc.Configuration;
  localpart: string;
}

/** A user and a Matrix client (as Element would register) to walk the pages with. */
export async function prepareTour(server: RunningMxauth, localpart = 'alice'): Promise<Tour> {
  const registered = await server.mxauth.users.register({ localpart, password: TOUR_PASSWORD });
  if (!registered.ok) throw new Error(`cannot register ${localpart}: ${JSON.stringify(registered.error)}`);
  const client = await registerClient(server, {
    client_name: 'Element',
    client_uri: 'https://app.example.com/',
  });
  return { server, client, localpart };
}

async function authorizeUrl(
  tour: Tour,
  deviceId: string,
  verifier: string,
  extra: Record<string, string> = {},
): Promise<string> {
  return oidc.buildAuthorizationUrl(tour.client, {
    redirect_uri: REDIRECT,
    scope: `urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`,
    state: 'tour',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  }).href;
}

/** Opens the sign-in page of a new authorization request. */
export async function openSignIn(tour: Tour, page: Page): Promise<void> {
  await page.goto(await authorizeUrl(tour, 'TOURSIGNIN', oidc.randomPKCECodeVerifier()));
  await page.waitForSelector('input[name=password]');
}

/** Opens the registration page of a new authorization request (prompt=create). */
export async function openRegistration(tour: Tour, page: Page): Promise<void> {
  await page.goto(
    await authorizeUrl(tour, 'TOURREGISTER', oidc.randomPKCECodeVerifier(), { prompt: 'create' }),
  );
  await page.waitForSelector('input[name=password_confirm]');
}

/**
 * Walks a fresh browser context through the real pages as a person would (typing, clicking), stopping
 * on each main page for `visit`: registration (prompt=create), sign-in, consent, the account page with
 * the device just signed in, and the engine's error page for an unknown client.
 */
export async function walkMainPages(
  tour: Tour,
  context: BrowserContext,
  visit: (name: MainPage, page: Page) => Promise<void>,
): Promise<void> {
  const page = await context.newPage();
  const deviceId = `TOUR${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  const verifier = oidc.randomPKCECodeVerifier();

  await page.goto(await authorizeUrl(tour, deviceId, verifier, { prompt: 'create' }));
  await page.waitForSelector('input[name=password]');
  await visit('register', page);

  await page.goto(await authorizeUrl(tour, deviceId, verifier));
  await page.waitForSelector('input[name=password]');
  await visit('login', page);
  await page.fill('input[name=username]', tour.localpart);
  await page.fill('input[name=password]', TOUR_PASSWORD);
  await page.press('input[name=password]', 'Enter');
  await page.waitForSelector('button[name=decision][value=allow]');
  await visit('consent', page);

  await page.click('button[name=decision][value=allow]');
  await page.waitForURL(/^https:\/\/app\.example\.com\/cb\?/);
  // The app redeems its code, as Element would: the device session starts with the tokens.
  await oidc.authorizationCodeGrant(tour.client, new URL(page.url()), {
    pkceCodeVerifier: verifier,
    expectedState: 'tour',
  });
  await page.goto(`${tour.server.base}account/`);
  await page.waitForSelector(`text=${deviceId}`);
  await visit('account', page);

  await page.goto(`${tour.server.base}authorize?client_id=nobody&response_type=code`);
  await visit('error', page);
  await page.close();
}

/** The other pages: registration's refusal and code step, terms, recovery, and each account view. */
export const MORE_PAGES = [
  'register-refused',
  'register-verify',
  'terms',
  'recover-request',
  'recover-sent',
  'recover-reset',
  'account-profile',
  'account-emails',
  'account-phones',
  'account-password',
  'account-devices',
  'account-deactivate',
] as const;
export type MorePage = (typeof MORE_PAGES)[number];

/**
 * What the other pages need switched on: terms to accept, recovery, and a text sender so the phone
 * numbers view exists (its gateway is a closed port: the texts are never delivered, nor need to be).
 */
export const MORE_PAGES_CONFIG = {
  account: { password_registration_enabled: true, password_recovery_enabled: true },
  branding: { tos_uri: 'https://example.org/terms', policy_uri: 'https://example.org/privacy' },
  sms: { sender: 'webhook', webhook: { url: 'http://127.0.0.1:9/' } },
};

let walks = 0;

/**
 * Walks a fresh browser context through the other pages with an account of its own (codes and links
 * are limited per address, so every walk uses new ones): a refused registration and its code step,
 * the terms asked for at sign-in, recovery from request to the new-password form, and every account
 * view with something in it (a saved display name, a second address, a code waiting for a number).
 * `tour` must run on a server with MORE_PAGES_CONFIG.
 */
export async function walkMorePages(
  tour: Tour,
  context: BrowserContext,
  visit: (name: MorePage, page: Page) => Promise<void>,
): Promise<void> {
  const { server } = tour;
  const { storage } = server.mxauth.services;
  const n = `${++walks}${Math.random().toString(36).slice(2, 6)}`;
  const localpart = `walker${n}`;
  const email = `${localpart}@example.org`;
  const registered = await server.mxauth.users.register({ localpart, password: TOUR_PASSWORD, email });
  if (!registered.ok) throw new Error(`cannot register ${localpart}: ${JSON.stringify(registered.error)}`);
  await storage.emails.add({
    userId: registered.value.id,
    email: `${localpart}.home@example.org`,
    confirmed: true,
  });
  await storage.phones.add({
    userId: registered.value.id,
    phone: `+4930${String(Date.now() % 10_000_000).padStart(7, '1')}`,
  });

  const page = await context.newPage();
  const deviceId = `WALK${n.toUpperCase()}`;
  const verifier = oidc.randomPKCECodeVerifier();

  // Registration, refused once: the form comes back with a summary and each field's reason. The
  // browser's own checks are switched off, as an older browser would not make them.
  await page.goto(await authorizeUrl(tour, deviceId, verifier, { prompt: 'create' }));
  await page.waitForSelector('input[name=password]');
  await page.fill('input[name=username]', `new${n}`);
  await page.fill('input[name=email]', `new${n}@example.org`);
  await page.fill('input[name=password]', TOUR_PASSWORD);
  await page.fill('input[name=password_confirm]', 'correct horse battery');
  await page.$eval('form:has(input[name=password])', (form) => {
    (form as unknown as { noValidate: boolean }).noValidate = true;
  });
  await page.click('button[type=submit]');
  await page.waitForSelector('.field-error');
  // The live answer under the username, for a name that is taken.
  await page.fill('input[name=username]', tour.localpart);
  await page.waitForSelector('#username-status[data-state=taken]');
  await visit('register-refused', page);
  await page.fill('input[name=username]', `new${n}`);
  await page.fill('input[name=password]', TOUR_PASSWORD);
  await page.fill('input[name=password_confirm]', TOUR_PASSWORD);
  await page.check('input[name=accept_terms]');
  await page.click('button[type=submit]');
  await page.waitForSelector('input[name=code]');
  await visit('register-verify', page);

  // Sign-in with terms the account has not accepted yet.
  await page.goto(await authorizeUrl(tour, deviceId, verifier));
  await page.fill('input[name=username]', localpart);
  await page.fill('input[name=password]', TOUR_PASSWORD);
  await page.press('input[name=password]', 'Enter');
  await page.waitForSelector('input[name=accept_terms]');
  await visit('terms', page);
  await page.check('input[name=accept_terms]');
  await page.click('button[name=decision][value=accept]');
  await page.click('button[name=decision][value=allow]');
  await page.waitForURL(/^https:\/\/app\.example\.com\/cb\?/);
  await oidc.authorizationCodeGrant(tour.client, new URL(page.url()), {
    pkceCodeVerifier: verifier,
    expectedState: 'tour',
  });

  // Recovery: the request, the answer everyone gets, and the link's form with a password typed in
  // (the page's script rates it in the meter).
  await page.goto(`${server.base}recover`);
  await visit('recover-request', page);
  await page.fill('input[name=email]', email);
  await page.click('button[type=submit]');
  await page.waitForSelector('p[role=status]');
  await visit('recover-sent', page);
  await page.goto(await recoveryLink(server, email));
  await page.fill('input[name=password]', 'purple elephant juggles seven lanterns');
  // The meter's value reflects into its attribute once the rating arrives.
  await page.waitForSelector('#password-meter:not([value="0"])');
  await visit('recover-reset', page);

  // The account views, each after the action that fills it.
  const view = (name: string) => page.goto(`${server.base}account/${name}`);
  await view('profile');
  await page.fill('input[name=displayname]', 'Walker Tour');
  await page.click('form:has(input[name=displayname]) button[type=submit]');
  await page.waitForSelector('p.notice');
  await visit('account-profile', page);
  await view('emails');
  await page.fill('input[name=email]', `${localpart}.work@example.org`);
  await page.click('form:has(input[name=email]) button[type=submit]');
  await page.waitForSelector('section.pending');
  await visit('account-emails', page);
  await view('phones');
  await page.fill('input[name=phone]', `+49 170 ${String(Date.now() % 10_000_000).padStart(7, '1')}`);
  await page.click('form:has(input[name=phone]) button[type=submit]');
  await page.waitForSelector('section.pending');
  await visit('account-phones', page);
  await view('password');
  await visit('account-password', page);
  await view('devices');
  await page.waitForSelector(`text=${deviceId}`);
  await visit('account-devices', page);
  await view('deactivate');
  await visit('account-deactivate', page);
  await page.close();
}

/** The recovery link mailed to `email`, read from the outbox (it is queued after the page answers). */
async function recoveryLink(server: RunningMxauth, email: string): Promise<string> {
  const { storage, messages } = server.mxauth.services;
  for (let i = 0; i < 200; i++) {
    const jobs = await storage.jobs.list({ states: ['pending', 'running', 'done', 'failed'], limit: 10_000 });
    for (const job of jobs) {
      if (job.queue !== MAIL_QUEUE) continue;
      const request = messages.open(job);
      if (request?.to === email && request.message.kind === 'recovery_link') return request.message.url;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no recovery link was mailed to ${email}`);
}
