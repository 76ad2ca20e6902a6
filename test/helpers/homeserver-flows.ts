import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { MxauthOptions } from '../../src/server.js';
import { newBrowser } from './browser.js';
import type { TestDatabaseKind } from './databases.js';
import { type RunningMxauth, startMxauth, tokenRequest } from './oauth-server.js';

export const REDIRECT = 'https://app.example.com/cb';
const API = 'urn:matrix:client:api:*';

/** Retries within a test's patience. */
export const QUICK_OUTBOX = { pollMs: 20, backoffCapMs: 200 };

/**
 * Longer than any wait between two tries under QUICK_OUTBOX (its 200 ms cap plus 20 % jitter): a job
 * waiting for a retry is due again once the clock moved this far (`running.advance(PAST_QUICK_RETRY)`).
 */
export const PAST_QUICK_RETRY = 1_000;

/**
 * mxauth talking to a test homeserver through the connector `matrix.kind` names, with an outbox that
 * retries quickly, and a public client named "Element" registered as a Matrix client would.
 */
export async function startWithHomeserver(
  kind: TestDatabaseKind,
  matrix: { kind: 'synapse' | 'synapse_legacy'; homeserver: string; endpoint: string; secret: string },
  options: Pick<MxauthOptions, 'logger'> = {},
): Promise<{ running: RunningMxauth; client: oidc.Configuration }> {
  const running = await startMxauth(kind, { matrix }, { mxauth: { outbox: QUICK_OUTBOX, ...options } });
  const client = await oidc.dynamicClientRegistration(
    new URL(running.base),
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
  return { running, client };
}

/** Signs in through the pages for `device`; returns the token endpoint's answer as the client sees it. */
export async function signInDevice(
  base: string,
  client: oidc.Configuration,
  credentials: { localpart: string; password: string },
  device: string,
): Promise<{ status: number; body: Record<string, string> }> {
  const verifier = randomBytes(32).toString('base64url');
  const browser = newBrowser(base);
  let page = await browser.get(
    oidc.buildAuthorizationUrl(client, {
      redirect_uri: REDIRECT,
      scope: `${API} urn:matrix:client:device:${device}`,
      state: 's',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).href,
  );
  page = await browser.submit(page, { username: credentials.localpart, password: credentials.password });
  page = await browser.submit(page, { decision: 'allow' });
  const code = new URL(page.url).searchParams.get('code')!;
  const answer = await tokenRequest(base, client.clientMetadata().client_id, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  });
  return { status: answer.status, body: answer.body as Record<string, string> };
}

/** Introspects as the homeserver does, with the shared secret. */
export async function introspectAsHomeserver(
  base: string,
  secret: string,
  token: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}oauth2/introspect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  return (await response.json()) as Record<string, unknown>;
}
