import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as oidc from 'openid-client';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import type { FormBrowser, Page } from '../helpers/browser.js';
import type { TestDatabase } from '../helpers/databases.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

export const PASSWORD = 'correct horse battery staple';
export const REDIRECT = 'https://app.example.com/cb';
export const API_SCOPE = 'urn:matrix:client:api:*';

export { lastCode, mailsTo } from '../helpers/outbox-messages.js';

/** A six-digit code that is not `code`. */
export const wrongCode = (code: string): string => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** Starts an authorization for `client` in `browser`; returns its first page and the PKCE verifier. */
export async function authorize(
  browser: FormBrowser,
  client: oidc.Configuration,
  extra: Record<string, string> = {},
): Promise<{ page: Page; verifier: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const page = await browser.get(
    oidc.buildAuthorizationUrl(client, {
      redirect_uri: REDIRECT,
      scope: API_SCOPE,
      state: 'st',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    }).href,
  );
  return { page, verifier };
}

/** Exchanges the code the client's redirect carries, as the client would. */
export async function redeem(
  client: oidc.Configuration,
  page: Page,
  verifier: string,
): Promise<oidc.TokenEndpointResponse> {
  assert.ok(
    page.external,
    `expected the redirect to the client, got ${page.status} ${page.url}:\n${page.html}`,
  );
  return oidc.authorizationCodeGrant(client, new URL(page.url), {
    pkceCodeVerifier: verifier,
    expectedState: 'st',
  });
}

/** The `<h1>` of a page. */
export const heading = (page: Page): string => /<h1>([^<]*)<\/h1>/.exec(page.html)?.[1] ?? '';

/** mxauth on an existing test database, kept on close: a restart with a changed configuration. */
export function startOn(
  database: TestDatabase,
  overrides: Record<string, object> = {},
): Promise<RunningMxauth> {
  return startMxauth(database.kind, overrides, { database });
}

/** The same registered client, as seen at another instance (a restart on another port). */
export async function clientAt(
  server: RunningMxauth,
  client: oidc.Configuration,
): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(server.base), client.clientMetadata().client_id, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

/** A debug-level logger that keeps every line, to check what mxauth writes to its logs. */
export function captureLogs(): { logger: Logger; text: () => string } {
  let out = '';
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _encoding, done) {
        out += String(chunk);
        done();
      },
    }),
  );
  return { logger, text: () => out };
}
