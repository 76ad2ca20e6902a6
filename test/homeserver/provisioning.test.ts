import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { RECURRING_JOB_ID_PREFIX } from '../../src/domain/job.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMxauth, type Mxauth } from '../../src/server.js';
import { openDatabase } from '../../src/storage/database.js';
import { newBrowser } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import { ContractHomeserver, newContractUser } from '../helpers/contract-homeserver.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import {
  introspectAsHomeserver,
  PAST_QUICK_RETRY,
  QUICK_OUTBOX,
  signInDevice,
  startWithHomeserver,
} from '../helpers/homeserver-flows.js';
import { jobsOf, waitsForRetry } from '../helpers/jobs.js';
import type { RunningMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'homeserver-shared-secret';

for (const kind of DATABASE_KINDS) {
  describe(`homeserver provisioning through the outbox [${kind}]`, () => {
    const homeserver = new ContractHomeserver('example.test', SECRET);
    let running: RunningMxauth;
    let mxauth: Mxauth;
    let base: string;
    let client: oidc.Configuration;

    before(async () => {
      await homeserver.start();
      ({ running, client } = await startWithHomeserver(kind, {
        kind: 'synapse',
        homeserver: 'example.test',
        endpoint: homeserver.endpoint,
        secret: SECRET,
      }));
      ({ mxauth, base } = running);
    });
    after(async () => {
      await running.close();
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

    const signIn = (localpart: string, device: string) =>
      signInDevice(base, client, { localpart, password: PASSWORD }, device);
    const introspect = (token: string) => introspectAsHomeserver(base, SECRET, token);

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

    test('a session whose tokens all expired ends, and its device is deleted', async () => {
      const user = await register('ivan');
      await signIn('ivan', 'IVANOLD');
      const live = await signIn('ivan', 'IVANLIVE');
      const [old] = (await mxauth.sessions.listForUser(user.id)).filter((s) => s.deviceId === 'IVANOLD');
      // What the expiry sweep leaves of a session nobody refreshed: its grant, without tokens.
      const opened = await openDatabase(mxauth.config.database.uri);
      assert.ok(opened.ok);
      await opened.value.db
        .deleteFrom('oauth_records')
        .where('grant_id', '=', old!.grantId)
        .where('model', 'in', ['AccessToken', 'RefreshToken'])
        .execute();
      await opened.value.close();
      assert.equal(await mxauth.sessions.endExpired(), 1, 'only the session without tokens ends');
      await eventually('the device is deleted', () => !homeserver.users.get('ivan')!.devices.has('IVANOLD'));
      assert.ok(homeserver.users.get('ivan')!.devices.has('IVANLIVE'));
      assert.equal((await introspect(live.body.access_token!)).active, true);
      assert.equal(await mxauth.sessions.endExpired(), 0);
    });

    test('renaming a device on the account page renames it on the homeserver', async () => {
      await register('judy');
      await signIn('judy', 'JUDYPHONE');
      const browser = newBrowser(base);
      let page = await browser.get(`${base}account/`);
      page = await browser.submit(page, { username: 'judy', password: PASSWORD });
      assert.match(page.html, /action="[^"]*\/rename"/, 'the device row has a rename form');
      page = await browser.submit(page, { name: 'Judy’s phone' }, '/rename');
      assert.match(page.html, /The device was renamed/);
      assert.match(page.html, /Judy’s phone/);
      await eventually(
        'the homeserver has the new name',
        () => homeserver.users.get('judy')!.devices.get('JUDYPHONE') === 'Judy’s phone',
      );
      assert.deepEqual(homeserver.callsOf('update_device_display_name').at(-1)!.body, {
        localpart: 'judy',
        device_id: 'JUDYPHONE',
        display_name: 'Judy’s phone',
      });
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
        const now = running.clock.now();
        await eventually('both calls were tried, failed, and wait for a retry', async () => {
          const [deletion] = await jobsOf(mxauth, 'delete_device', { deviceId: 'ERINPC' });
          const [deactivation] = await jobsOf(mxauth, 'delete_user', { localpart: 'frank' });
          return waitsForRetry(deletion, now) && waitsForRetry(deactivation, now);
        });
      } finally {
        await homeserver.start();
      }
      await running.advance(PAST_QUICK_RETRY);
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
      const metrics = await (await fetch(`${base}metrics`)).text();
      const count = (outcome: string) =>
        Number(
          new RegExp(
            `mxauth_job_deliveries_total\\{queue="homeserver",kind="delete_device",outcome="${outcome}"\\} (\\d+)`,
          ).exec(metrics)?.[1] ?? 0,
        );
      assert.ok(count('retry') > 0, 'the failed tries are counted');
      assert.ok(count('done') > 0, 'and the deliveries');
    });

    test('the account page lets the user allow a cross-signing reset (MSC4191 deep link)', async () => {
      await register('hank');
      const browser = newBrowser(base);
      let page = await browser.get(`${base}account/?action=org.matrix.cross_signing_reset`);
      page = await browser.submit(page, { username: 'hank', password: PASSWORD });
      assert.match(page.html, /Reset your cross-signing identity/);
      assert.equal(homeserver.users.get('hank')!.crossSigningResetAllowed, false);
      const done = await browser.submit(page, {});
      assert.match(done.html, /Done\. Go back to your app/);
      assert.equal(
        homeserver.users.get('hank')!.crossSigningResetAllowed,
        true,
        'allowed before the page said so',
      );

      homeserver.users.get('hank')!.crossSigningResetAllowed = false;
      await homeserver.stop();
      try {
        const refused = await browser.submit(
          await browser.get(`${base}account/?action=org.matrix.cross_signing_reset`),
          {},
        );
        assert.equal(refused.status, 503);
        assert.match(refused.html, /could not be reached/);
      } finally {
        await homeserver.start();
      }
      const allows = await jobsOf(mxauth, 'allow_cross_signing_reset', { localpart: 'hank' });
      assert.deepEqual(
        allows.map((job) => job.state),
        ['done', 'failed'],
        'the refused one is set aside as failed, never to be tried again unasked',
      );
      await running.advance(PAST_QUICK_RETRY);
      assert.equal(
        homeserver.users.get('hank')!.crossSigningResetAllowed,
        false,
        'no window opens later, unasked',
      );
    });

    test('signing in again with a device id while the homeserver errs keeps the old session and the device', async () => {
      await register('kurt');
      const old = await signIn('kurt', 'KURTPHONE');
      homeserver.misbehave = 'error500';
      try {
        const again = await fetch(`${base}_matrix/client/v3/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'm.login.password',
            identifier: { type: 'm.id.user', user: 'kurt' },
            password: PASSWORD,
            device_id: 'KURTPHONE',
          }),
        });
        assert.equal(again.status, 503);
        assert.equal((await introspect(old.body.access_token!)).active, true, 'the old session still works');
      } finally {
        homeserver.misbehave = 'no';
      }
      assert.deepEqual(await jobsOf(mxauth, 'delete_device', { deviceId: 'KURTPHONE' }), [], 'none owed');
      await running.advance(PAST_QUICK_RETRY);
      assert.ok(homeserver.users.get('kurt')!.devices.has('KURTPHONE'), 'the device (and its keys) stayed');
      assert.equal(
        homeserver.callsOf('delete_device').filter((c) => c.body?.device_id === 'KURTPHONE').length,
        0,
      );
    });

    test('a misbehaving homeserver (500, garbage, silence) neither crashes mxauth nor loses the job', async () => {
      await register('gina');
      const { body } = await signIn('gina', 'GINAPC');
      homeserver.misbehave = 'error500';
      await oidc.tokenRevocation(client, body.refresh_token!);
      const deletion = async () => (await jobsOf(mxauth, 'delete_device', { deviceId: 'GINAPC' }))[0];
      const first = running.clock.now();
      await eventually('the deletion was tried and waits for a retry', async () =>
        waitsForRetry(await deletion(), first),
      );
      homeserver.misbehave = 'garbage';
      await running.advance(PAST_QUICK_RETRY);
      const retried = await deletion();
      assert.ok(waitsForRetry(retried, running.clock.now()), 'a garbage answer is one more failed try');
      assert.equal(retried!.attempts, 2);
      assert.ok(homeserver.users.get('gina')!.devices.has('GINAPC'), 'not deleted while the homeserver errs');
      homeserver.misbehave = 'no';
      await running.advance(PAST_QUICK_RETRY);
      assert.equal((await deletion())!.state, 'done');
      assert.ok(!homeserver.users.get('gina')!.devices.has('GINAPC'), 'the deletion arrived');
      assert.equal((await fetch(`${base}health`)).status, 200);
    });
  });
}

describe('two instances on one PostgreSQL database share the outbox', () => {
  const homeserver = new ContractHomeserver('example.test', SECRET);
  let database: TestDatabase;
  const instances: Mxauth[] = [];

  before(async () => {
    await homeserver.start();
    database = await createTestDatabase('postgres');
    for (let i = 0; i < 2; i++) {
      const mxauth = createMxauth(
        testConfig({
          http: { public_base: 'http://127.0.0.1:9/' },
          database: { uri: database.uri },
          matrix: {
            kind: 'synapse',
            homeserver: 'example.test',
            endpoint: homeserver.endpoint,
            secret: SECRET,
          },
        }),
        { logger: createLogger('silent'), outbox: QUICK_OUTBOX },
      );
      await mxauth.start();
      instances.push(mxauth);
    }
  });
  after(async () => {
    for (const mxauth of instances) await mxauth.close();
    await database.drop();
    await homeserver.stop();
    assert.deepEqual(homeserver.violations, []);
  });

  test('each job is delivered by one of them, once', async () => {
    const [a, b] = instances as [Mxauth, Mxauth];
    const names = Array.from({ length: 12 }, (_, i) => `user${i}`);
    for (const [i, name] of names.entries())
      assert.ok((await (i % 2 ? a : b).users.register({ localpart: name, password: PASSWORD })).ok);
    await a.users.provisionAll();
    for (const [i, name] of names.entries())
      assert.ok((await (i % 2 ? b : a).users.deactivate(name, { erase: false })).ok);
    await eventually('every user is deactivated there', () =>
      names.every((n) => homeserver.users.get(n)?.deactivated === true),
    );
    await eventually('every job is done', async () => {
      const open = await a.services.storage.jobs.list({
        states: ['pending', 'running', 'failed'],
        limit: 1000,
      });
      return open.every((job) => job.id.startsWith(RECURRING_JOB_ID_PREFIX));
    });
    for (const name of names) {
      const about = (op: string) => homeserver.callsOf(op).filter((c) => c.body?.localpart === name).length;
      assert.equal(about('provision_user'), 2, `${name}: registration and provision-all, once each`);
      assert.equal(about('delete_user'), 1, `${name}: deactivated once`);
    }
  });
});
