import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import * as oidc from 'openid-client';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { createMxauth } from '../../src/server.js';
import { MAIL_QUEUE, type MessageRequest } from '../../src/services/messages.js';
import type { FormBrowser, Page } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import type { TestDatabase } from '../helpers/databases.js';
import { HOMESERVER_SECRET, type RunningMxauth } from '../helpers/oauth-server.js';

export const PASSWORD = 'correct horse battery staple';
export const REDIRECT = 'https://app.example.com/cb';
export const API_SCOPE = 'urn:matrix:client:api:*';

/**
 * Everything mxauth handed to the outbox for mailing to `to`, oldest first, opened as the mail worker
 * opens it: what the person would read in their inbox.
 */
export async function mailsTo(server: RunningMxauth, to: string): Promise<MessageRequest[]> {
  const { storage, messages } = server.mxauth.services;
  const jobs = await storage.jobs.list({ states: ['pending', 'running', 'done', 'failed'], limit: 10_000 });
  return jobs
    .filter((job) => job.queue === MAIL_QUEUE)
    .map((job) => messages.open(job))
    .filter((request): request is MessageRequest => request !== undefined && request.to === to);
}

/** The last verification code mailed to `to`. */
export async function lastCode(server: RunningMxauth, to: string): Promise<string> {
  const message = (await mailsTo(server, to)).findLast(
    (m) => m.message.kind === 'verification_code',
  )?.message;
  assert.ok(message?.kind === 'verification_code', `no code was mailed to ${to}`);
  return message.code;
}

/** A six-digit code that is not `code`. */
export const wrongCode = (code: string): string => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** Waits for something the server does after answering (a mail it queues in the background). */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

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

/**
 * mxauth on an existing test database (which it does not drop on close), as startMxauth starts it:
 * for a restart with a changed configuration over the same accounts.
 */
export async function startOn(
  database: TestDatabase,
  overrides: Record<string, object> = {},
): Promise<RunningMxauth> {
  let handler: RequestListener | undefined;
  const server: Server = createServer((req, res) => handler?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const mxauth = createMxauth(
    testConfig({
      http: { public_base: base },
      database: { uri: database.uri },
      matrix: { kind: 'none', homeserver: 'example.test', secret: HOMESERVER_SECRET },
      ...overrides,
    }),
    { logger: createLogger('silent') },
  );
  await mxauth.start();
  handler = mxauth.handler;
  return {
    mxauth,
    base,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await mxauth.close();
    },
  };
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
