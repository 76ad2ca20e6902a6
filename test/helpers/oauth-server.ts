import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { ManualClock, systemClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMxauth, type Mxauth, type MxauthOptions } from '../../src/server.js';
import { testConfig } from './config.js';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from './databases.js';
import { settled } from './jobs.js';

export const HOMESERVER_SECRET = 'test-homeserver-secret';

export interface RunningMxauth {
  mxauth: Mxauth;
  base: string;
  /**
   * mxauth's clock, which moves only when the test says so (`clock.advance(ms)`). Throws for a server
   * started with `clock: 'real'` or with a clock of the test's own that is not a ManualClock.
   */
  readonly clock: ManualClock;
  /**
   * Moves mxauth's clock on by `ms` and resolves once the worker has delivered (or tried) every job then
   * due: a retry that was waiting has happened, and one that fails again waits for the next move.
   */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * mxauth on a free loopback port, with public_base set to that address (discovery must advertise URLs a
 * client can reach), password registration on, on the given database.
 *
 * mxauth runs on a ManualClock starting at the real now: limits, expiries and job retries move only when
 * the test moves the clock. The OAuth engine keeps the real time for what it stamps itself (token `iat`
 * and `exp`); starting at the real now and only moving forward keeps both consistent for a short test.
 * `clock: 'real'` runs on the system clock instead, for a test that needs time to elapse on both sides
 * alike; `mxauth: { clock }` passes a clock of the test's own.
 */
export async function startMxauth(
  kind: TestDatabaseKind,
  overrides: Record<string, object> = {},
  options: {
    scheme?: 'http' | 'https';
    mxauth?: MxauthOptions;
    /** An existing database to start on, kept on close (a restart over the same accounts). */
    database?: TestDatabase;
    /** `'real'`: the system clock instead of the default ManualClock (see above). */
    clock?: 'real';
  } = {},
): Promise<RunningMxauth> {
  const clock =
    options.mxauth?.clock ?? (options.clock === 'real' ? systemClock : new ManualClock(Date.now()));
  const database = options.database ?? (await createTestDatabase(kind));
  let handler:
    | ((req: Parameters<Mxauth['handler']>[0], res: Parameters<Mxauth['handler']>[1]) => void)
    | undefined;
  const server: Server = createServer((req, res) => handler?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}/`;
  // An https public_base stands for a TLS-terminating proxy in front; the test still talks plain HTTP.
  const publicBase = options.scheme === 'https' ? `https://127.0.0.1:${port}/` : base;
  const mxauth = createMxauth(
    testConfig({
      http: { public_base: publicBase },
      database: { uri: database.uri },
      matrix: { kind: 'none', homeserver: 'example.test', secret: HOMESERVER_SECRET },
      account: { password_registration_enabled: true },
      // Mail goes to the (silent) log, not the default blackhole, under which registration asks for no code.
      email: { transport: 'log' },
      ...overrides,
    }),
    { logger: createLogger('silent'), ...options.mxauth, clock },
  );
  await mxauth.start();
  handler = mxauth.handler;
  const manual = (): ManualClock => {
    if (clock instanceof ManualClock) return clock;
    throw new Error('this mxauth runs on a clock that cannot be moved (started with clock: real?)');
  };
  return {
    mxauth,
    base,
    get clock() {
      return manual();
    },
    advance: async (ms) => {
      const moved = manual();
      moved.advance(ms);
      await mxauth.services.worker.runDue();
      await settled(mxauth, () => moved.now());
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await mxauth.close();
      if (!options.database) await database.drop();
    },
  };
}

/** Registers a public web client at https://app.example.com/ (MSC2966), as a Matrix client would. */
export async function registerClient(
  server: RunningMxauth,
  metadata: Record<string, unknown> = {},
): Promise<oidc.Configuration> {
  return oidc.dynamicClientRegistration(
    new URL(server.base),
    {
      client_uri: 'https://app.example.com/',
      redirect_uris: ['https://app.example.com/cb'],
      token_endpoint_auth_method: 'none',
      ...metadata,
    },
    oidc.None(),
    { execute: [oidc.allowInsecureRequests] },
  );
}

/** Introspects a token as Synapse does (shared secret as Bearer) and returns the JSON answer. */
export async function introspect(server: RunningMxauth, token: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.base}oauth2/introspect`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${HOMESERVER_SECRET}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }),
  });
  return (await response.json()) as Record<string, unknown>;
}

/** The token endpoint's answer to a form a public client posts, as the client sees it. */
export interface TokenAnswer {
  status: number;
  body: { access_token?: string; refresh_token?: string; id_token?: string; error?: string };
}

/** Posts `fields` to the token endpoint at `base` as public client `clientId` (no authentication). */
export async function tokenRequest(
  base: string,
  clientId: string,
  fields: Record<string, string>,
): Promise<TokenAnswer> {
  const response = await fetch(new URL('oauth2/token', base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, client_id: clientId }),
  });
  return { status: response.status, body: (await response.json()) as TokenAnswer['body'] };
}
