import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { createLogger } from '../../src/observability/logger.js';
import { createMxauth, type Mxauth } from '../../src/server.js';
import { newBrowser } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import { ContractHomeserver, newContractUser } from '../helpers/contract-homeserver.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';
const SECRET = 'homeserver-shared-secret';
const API = 'urn:matrix:client:api:*';

/** Polls `check` until it holds, for at most a few seconds (the outbox retries every few hundred ms here). */
async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting until ${what}`);
}

for (const kind of DATABASE_KINDS) {
  describe(`homeserver provisioning through the outbox [${kind}]`, () => {
    const homeserver = new ContractHomeserver('example.test', SECRET);
    let database: TestDatabase;
    let mxauth: Mxauth;
    let server: Server;
    let base: string;
    let client: oidc.Configuration;

    before(async () => {
      await homeserver.start();
      database = await createTestDatabase(kind);
      let handler: Mxauth['handler'] | undefined;
      server = createServer((req, res) => handler?.(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      mxauth = createMxauth(
        testConfig({
          http: { public_base: base },
          database: { uri: database.uri },
          matrix: {
            kind: 'synapse',
            homeserver: 'example.test',
            endpoint: homeserver.endpoint,
            secret: SECRET,
          },
          account: { password_registration_enabled: true },
        }),
        { logger: createLogger('silent'), outbox: { pollMs: 50, backoffCapMs: 200 } },
      );
      await mxauth.start();
      handler = mxauth.handler;
      client = await oidc.dynamicClientRegistration(
        new URL(base),
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
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await mxauth.close();
      await database.drop();
      await homeserver.stop();
      assert.deepEqual(homeserver.violations, [], 'every request mxauth sent kept to the contract');
    });

    async function register(localpart: string) {
      const registered = await mxauth.users.register({
        localpart,
        password: PASSWORD,
        email: `${localpart}@example.org`,
        displayName: `${localpart} display`,
      });
      assert.ok(registered.ok, JSON.stringify(!registered.ok && registered.error));
      await eventually(`${localpart} is provisioned`, () => homeserver.users.has(localpart));
      return registered.value;
    }

    /** Signs in through the pages; returns the token endpoint's answer as the client sees it. */
    async function signIn(localpart: string, device: string) {
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
      page = await browser.submit(page, { username: localpart, password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      const code = new URL(page.url).searchParams.get('code')!;
      const response = await fetch(`${base}oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT,
          client_id: client.clientMetadata().client_id,
          code_verifier: verifier,
        }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    }

    async function introspect(token: string) {
      const response = await fetch(`${base}oauth2/introspect`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      });
      return (await response.json()) as Record<string, unknown>;
    }

    test('a registered user is provisioned with display name, emails and lock state', async () => {
      await register('alice');
      const alice = homeserver.users.get('alice')!;
      assert.equal(alice.displayName, 'alice display');
      assert.deepEqual(alice.emails, ['alice@example.org']);
      assert.equal(alice.locked, false);
      assert.ok(homeserver.callsOf('is_localpart_available').some((c) => c.query.localpart === 'alice'));
    });

    test('a name the homeserver reserves or already has is refused before the account exists', async () => {
      homeserver.exclusive.add('telegram_1');
      const reserved = await mxauth.users.register({ localpart: 'telegram_1', password: PASSWORD });
      assert.equal(!reserved.ok && reserved.error.kind, 'localpart_unavailable');
      homeserver.users.set('legacy', newContractUser());
      const taken = await mxauth.users.register({ localpart: 'legacy', password: PASSWORD });
      assert.equal(!taken.ok && taken.error.kind, 'localpart_taken');
    });

    test('the device exists on the homeserver before the client holds its token', async () => {
      await register('bob');
      const { status, body } = await signIn('bob', 'BOBPHONE');
      assert.equal(status, 200);
      // No waiting: the token response is only sent once upsert_device succeeded.
      assert.equal(homeserver.users.get('bob')!.devices.get('BOBPHONE'), 'Element');
      const answer = await introspect(body.access_token!);
      assert.equal(answer.active, true);
      assert.equal(answer.device_id, 'BOBPHONE');
    });

    test('revoking a token deletes the device on the homeserver', async () => {
      await register('carol');
      const { body } = await signIn('carol', 'CAROLTAB');
      assert.ok(homeserver.users.get('carol')!.devices.has('CAROLTAB'));
      await oidc.tokenRevocation(client, body.refresh_token!);
      assert.deepEqual(await introspect(body.access_token!), { active: false }, 'inactive at once');
      await eventually(
        'the device is deleted',
        () => !homeserver.users.get('carol')!.devices.has('CAROLTAB'),
      );
    });

    test('deactivation ends every session and deactivates the user on the homeserver', async () => {
      await register('dave');
      const one = await signIn('dave', 'DAVE1');
      const two = await signIn('dave', 'DAVE2');
      const done = await mxauth.users.deactivate('dave', { erase: true });
      assert.ok(done.ok);
      assert.equal(done.value.sessionsEnded, 2);
      for (const t of [one, two]) assert.deepEqual(await introspect(t.body.access_token!), { active: false });
      await eventually('delete_user arrives', () => homeserver.users.get('dave')!.deactivated);
      assert.equal(homeserver.users.get('dave')!.erased, true);
      assert.deepEqual(homeserver.callsOf('delete_user').at(-1)!.body, { localpart: 'dave', erase: true });
      const back = await mxauth.users.reactivate('dave');
      assert.ok(back.ok);
      await eventually('reactivate_user arrives', () => !homeserver.users.get('dave')!.deactivated);
    });

    test('a homeserver outage loses nothing: deletions arrive when it returns, once each', async () => {
      await register('erin');
      await register('frank');
      const erin = await signIn('erin', 'ERINPC');
      await signIn('frank', 'FRANKPC');
      await homeserver.stop();
      try {
        await oidc.tokenRevocation(client, erin.body.refresh_token!);
        const deactivated = await mxauth.users.deactivate('frank', { erase: false });
        assert.ok(deactivated.ok, 'the change succeeds for the user while the homeserver is down');
        assert.deepEqual(await introspect(erin.body.access_token!), { active: false });
        // A new device cannot get a token the homeserver does not know about.
        const refused = await signIn('erin', 'ERINNEW');
        assert.equal(refused.status, 503);
        assert.equal(refused.body.error, 'temporarily_unavailable');
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        await homeserver.start();
      }
      await eventually('the deletions arrive', () => {
        const e = homeserver.users.get('erin')!;
        return (
          !e.devices.has('ERINPC') && !e.devices.has('ERINNEW') && homeserver.users.get('frank')!.deactivated
        );
      });
      await eventually('the outbox is empty', async () => {
        const counts = await (await fetch(`${base}health`)).ok;
        return (
          counts &&
          homeserver.callsOf('delete_user').filter((c) => c.body?.localpart === 'frank').length === 1
        );
      });
      assert.equal(
        homeserver.callsOf('delete_device').filter((c) => c.body?.device_id === 'ERINPC').length,
        1,
        'delivered once',
      );
    });

    test('a misbehaving homeserver (500, garbage, silence) neither crashes mxauth nor loses the job', async () => {
      await register('gina');
      const { body } = await signIn('gina', 'GINAPC');
      for (const mode of ['error500', 'garbage'] as const) {
        homeserver.misbehave = mode;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      await oidc.tokenRevocation(client, body.refresh_token!);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(homeserver.users.get('gina')!.devices.has('GINAPC'), 'not deleted while the homeserver errs');
      homeserver.misbehave = 'no';
      await eventually('the deletion arrives', () => !homeserver.users.get('gina')!.devices.has('GINAPC'));
      assert.equal((await fetch(`${base}health`)).status, 200);
    });
  });
}
