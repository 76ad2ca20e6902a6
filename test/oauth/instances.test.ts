import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { stringify } from 'yaml';
import { createLogger } from '../../src/observability/logger.js';
import { createMxauth, type Mxauth } from '../../src/server.js';
import { FormBrowser } from '../helpers/browser.js';
import { cli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { HOMESERVER_SECRET } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';

/** Two mxauth instances on one PostgreSQL database, each on its own port, as behind a load balancer. */
describe('several instances on one PostgreSQL database', () => {
  let database: TestDatabase;
  const instances: { mxauth: Mxauth; server: Server; base: string }[] = [];
  let configFile: string;

  before(async () => {
    database = await createTestDatabase('postgres');
    for (let i = 0; i < 2; i++) {
      let handler: Mxauth['handler'] | undefined;
      const server = createServer((req, res) => handler?.(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const config = testConfig({
        http: { public_base: base },
        database: { uri: database.uri },
        matrix: { kind: 'none', homeserver: 'example.test', secret: HOMESERVER_SECRET },
      });
      const mxauth = createMxauth(config, { logger: createLogger('silent') });
      await mxauth.start();
      handler = mxauth.handler;
      instances.push({ mxauth, server, base });
      if (i === 0) {
        configFile = join(mkdtempSync(join(tmpdir(), 'mxauth-instances-')), 'config.yaml');
        writeFileSync(configFile, stringify(config));
      }
    }
    assert.ok((await instances[0]!.mxauth.users.register({ localpart: 'fay', password: PASSWORD })).ok);
  });
  after(async () => {
    for (const { mxauth, server } of instances) {
      server.closeAllConnections();
      server.close();
      await mxauth.close();
    }
    await database.drop();
  });

  const introspect = async (base: string, token: string) =>
    (
      (await (
        await fetch(`${base}oauth2/introspect`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${HOMESERVER_SECRET}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ token }),
        })
      ).json()) as { active: boolean }
    ).active;

  async function signIn(base: string, device: string) {
    const config = await oidc.dynamicClientRegistration(
      new URL(base),
      {
        client_uri: 'https://app.example.com/',
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      },
      oidc.None(),
      { execute: [oidc.allowInsecureRequests] },
    );
    const verifier = oidc.randomPKCECodeVerifier();
    const browser = new FormBrowser(base, { 'x-forwarded-for': `198.18.0.${device.length}` });
    let page = await browser.get(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: `urn:matrix:client:api:* urn:matrix:client:device:${device}`,
        state: 's',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).href,
    );
    page = await browser.submit(page, { username: 'fay', password: PASSWORD });
    page = await browser.submit(page, { decision: 'allow' });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), {
      pkceCodeVerifier: verifier,
      expectedState: 's',
    });
    return { config, tokens };
  }

  // B has the token cached; the database's notification of the change must reach it within a second.
  const AT_ONCE = { timeoutMs: 1000 };

  test('a revocation on one instance ends the token on the other at once', async () => {
    const [a, b] = instances;
    const { config, tokens } = await signIn(a!.base, 'INSTANCE01');
    assert.equal(await introspect(b!.base, tokens.access_token), true, 'instance B has it cached now');
    await oidc.tokenRevocation(config, tokens.access_token);
    await eventually(
      'instance B sees the revocation',
      async () => !(await introspect(b!.base, tokens.access_token)),
      AT_ONCE,
    );
  });

  test('a lock from the CLI ends the tokens on the running instances at once', async () => {
    const [a, b] = instances;
    const { tokens } = await signIn(a!.base, 'INSTANCE02');
    assert.equal(await introspect(b!.base, tokens.access_token), true);
    const locked = await cli(['manage', 'lock-user', 'fay', '--config', configFile]);
    assert.equal(locked.code, 0, locked.stderr);
    await eventually(
      'instance B sees the lock',
      async () => !(await introspect(b!.base, tokens.access_token)),
      AT_ONCE,
    );
    assert.equal(await introspect(a!.base, tokens.access_token), false);
    await cli(['manage', 'unlock-user', 'fay', '--config', configFile]);
  });
});
