import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import type { HomeserverConnector } from '../../src/homeserver/connector.js';
import { SynapseLegacyConnector } from '../../src/homeserver/synapse-legacy.js';
import type { Mxauth } from '../../src/server.js';
import { LegacyContractHomeserver, newLegacyUser } from '../helpers/contract-homeserver-legacy.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { signInDevice, startWithHomeserver } from '../helpers/homeserver-flows.js';
import type { RunningMxauth } from '../helpers/oauth-server.js';

const SERVER = 'example.test';
const ADMIN_TOKEN = 'synapse-admin-token';

function connectorFor(
  homeserver: LegacyContractHomeserver,
  options: { secret?: string; serverName?: string; endpoint?: string } = {},
): SynapseLegacyConnector {
  return new SynapseLegacyConnector({
    endpoint: new URL(options.endpoint ?? homeserver.endpoint),
    serverName: options.serverName ?? SERVER,
    secret: options.secret ?? ADMIN_TOKEN,
    timeoutMs: 300,
    deactivateTimeoutMs: 300,
  });
}

/**
 * Asserts success, with a message: without one, node:assert re-parses the failing expression from the
 * source, which hangs on `await` expressions under tsx.
 */
function expectOk<R extends { ok: boolean }>(
  result: R,
  what = 'the call succeeds',
): asserts result is Extract<R, { ok: true }> {
  assert.ok(result.ok, `${what}: ${JSON.stringify((result as { error?: unknown }).error)}`);
}

function errorKind(result: { ok: boolean; error?: { kind: string } }): string {
  return result.ok ? 'ok' : result.error!.kind;
}

describe('SynapseLegacyConnector against the Synapse admin API', () => {
  const homeserver = new LegacyContractHomeserver(SERVER, ADMIN_TOKEN);
  let connector: SynapseLegacyConnector;

  before(async () => {
    await homeserver.start();
    connector = connectorFor(homeserver);
  });
  afterEach(() => {
    homeserver.misbehave = 'no';
    homeserver.passwordLogin = false;
    homeserver.integerFlags = false;
    homeserver.missing.clear();
  });
  after(async () => {
    await homeserver.stop();
    assert.deepEqual(homeserver.violations, [], 'every request kept to the admin API');
  });

  test('provisionUser creates, updates and unsets, and keeps the phone numbers it does not manage', async () => {
    const created = await connector.provisionUser({
      localpart: 'alice',
      displayName: 'Alice',
      emails: ['alice@example.org'],
      locked: false,
    });
    expectOk(created);
    const alice = homeserver.users.get('alice')!;
    assert.equal(alice.displayName, 'Alice');
    assert.deepEqual(alice.threepids, [{ medium: 'email', address: 'alice@example.org' }]);
    assert.equal(alice.locked, false);
    assert.equal(homeserver.callsOf('modify_user').at(-1)!.userId, '@alice:example.test');

    alice.threepids.push({ medium: 'msisdn', address: '447700900000' });
    const updated = await connector.provisionUser({
      localpart: 'alice',
      displayName: null,
      emails: [],
      locked: true,
    });
    expectOk(updated);
    assert.deepEqual(homeserver.callsOf('modify_user').at(-1)!.body, {
      displayname: '',
      threepids: [{ medium: 'msisdn', address: '447700900000' }],
      locked: true,
    });
    assert.equal(alice.displayName, null);
    assert.deepEqual(alice.threepids, [{ medium: 'msisdn', address: '447700900000' }]);
    assert.equal(alice.locked, true);

    // A user without a display name gets the localpart, as with `synapse`; absent fields stay as they are.
    expectOk(await connector.provisionUser({ localpart: 'bob', displayName: null }));
    assert.deepEqual(homeserver.callsOf('modify_user').at(-1)!.body, {});
    assert.equal(homeserver.users.get('bob')!.displayName, 'bob');

    // Creation ignores `locked`: a user created locked takes a second PUT.
    expectOk(await connector.provisionUser({ localpart: 'carl', locked: true }));
    assert.equal(homeserver.users.get('carl')!.locked, true);
    assert.deepEqual(homeserver.callsOf('modify_user').at(-1)!.body, { locked: true });
  });

  test('queryUser reads the account, 0/1 flags of older Synapse included', async () => {
    assert.equal(errorKind(await connector.queryUser('nobody')), 'not_found');
    homeserver.users.set('dora', { ...newLegacyUser(), displayName: 'Dora', deactivated: true });
    const dora = await connector.queryUser('dora');
    assert.deepEqual(dora.ok && dora.value, {
      userId: '@dora:example.test',
      displayName: 'Dora',
      avatarUrl: null,
      suspended: false,
      deactivated: true,
    });
    homeserver.integerFlags = true;
    const old = await connector.queryUser('dora');
    assert.equal(old.ok && old.value.deactivated, true);
  });

  test('isLocalpartAvailable tells free, taken, invalid and reserved names apart', async () => {
    homeserver.users.set('taken', newLegacyUser());
    homeserver.exclusive.add('irc_bridge');
    expectOk(await connector.isLocalpartAvailable('free'));
    assert.deepEqual(homeserver.callsOf('username_available').at(-1)!.query, { username: 'free' });
    assert.equal(errorKind(await connector.isLocalpartAvailable('taken')), 'user_in_use');
    assert.equal(errorKind(await connector.isLocalpartAvailable('Bad Name')), 'invalid_username');
    assert.equal(errorKind(await connector.isLocalpartAvailable('irc_bridge')), 'exclusive');
    const calls = homeserver.calls.length;
    assert.equal(errorKind(await connector.isLocalpartAvailable('jürgen')), 'invalid_username');
    assert.equal(homeserver.calls.length, calls, 'a non-ASCII name is refused without asking');
  });

  test('devices: upsert creates and names, rename, delete; unknown users and devices', async () => {
    homeserver.users.set('erin', newLegacyUser());
    const erin = homeserver.users.get('erin')!;
    expectOk(await connector.upsertDevice('erin', 'PHONE', 'Element'));
    assert.deepEqual(erin.devices.get('PHONE'), { displayName: 'Element', dehydrated: false });
    assert.deepEqual(homeserver.callsOf('create_device').at(-1)!.body, { device_id: 'PHONE' });
    assert.deepEqual(homeserver.callsOf('update_device').at(-1)!.body, { display_name: 'Element' });

    const renames = homeserver.callsOf('update_device').length;
    expectOk(await connector.upsertDevice('erin', 'PHONE'), 'again: a no-op');
    assert.equal(homeserver.callsOf('update_device').length, renames, 'no name, no rename');
    assert.equal(erin.devices.get('PHONE')!.displayName, 'Element');

    expectOk(await connector.updateDeviceDisplayName('erin', 'PHONE', 'Erin phone'));
    assert.equal(erin.devices.get('PHONE')!.displayName, 'Erin phone');
    assert.equal(errorKind(await connector.updateDeviceDisplayName('erin', 'NOPE', 'x')), 'not_found');

    expectOk(await connector.deleteDevice('erin', 'PHONE'));
    assert.equal(erin.devices.has('PHONE'), false);
    expectOk(await connector.deleteDevice('erin', 'PHONE'), 'a device already gone');
    assert.equal(errorKind(await connector.deleteDevice('nobody', 'PHONE')), 'not_found');
    assert.equal(errorKind(await connector.upsertDevice('nobody', 'PHONE', 'x')), 'not_found');
  });

  test('syncDevices adds the missing, deletes the extra and keeps dehydrated devices', async () => {
    const fay = newLegacyUser();
    fay.devices.set('OLD', { displayName: null, dehydrated: false });
    fay.devices.set('KEEP', { displayName: 'kept', dehydrated: false });
    fay.devices.set('DEHYDRATED', { displayName: null, dehydrated: true });
    homeserver.users.set('fay', fay);
    expectOk(await connector.syncDevices('fay', ['KEEP', 'NEW']));
    assert.deepEqual([...fay.devices.keys()].sort(), ['DEHYDRATED', 'KEEP', 'NEW']);
    assert.equal(fay.devices.get('KEEP')!.displayName, 'kept');
    assert.deepEqual(homeserver.callsOf('delete_devices').at(-1)!.body, { devices: ['OLD'] });

    const deletions = homeserver.callsOf('delete_devices').length;
    const creations = homeserver.callsOf('create_device').length;
    expectOk(await connector.syncDevices('fay', ['KEEP', 'NEW']));
    assert.equal(homeserver.callsOf('delete_devices').length, deletions, 'nothing to delete, no request');
    assert.equal(homeserver.callsOf('create_device').length, creations);
    assert.equal(errorKind(await connector.syncDevices('nobody', ['A'])), 'not_found');
  });

  test('deleteUser deactivates (and erases); reactivateUser brings the user back', async () => {
    const gus = newLegacyUser();
    gus.displayName = 'Gus';
    gus.devices.set('PC', { displayName: null, dehydrated: false });
    homeserver.users.set('gus', gus);
    expectOk(await connector.deleteUser('gus', true));
    assert.deepEqual(homeserver.callsOf('deactivate').at(-1)!.body, { erase: true });
    assert.equal(gus.deactivated, true);
    assert.equal(gus.erased, true);
    assert.equal(gus.devices.size, 0);
    assert.equal(errorKind(await connector.deleteUser('nobody', false)), 'not_found');

    expectOk(await connector.reactivateUser('gus'));
    assert.deepEqual(homeserver.callsOf('modify_user').at(-1)!.body, { deactivated: false });
    assert.equal(gus.deactivated, false);
    const puts = homeserver.callsOf('modify_user').length;
    expectOk(await connector.reactivateUser('gus'), 'an active user needs nothing');
    assert.equal(homeserver.callsOf('modify_user').length, puts);
    assert.equal(errorKind(await connector.reactivateUser('nobody')), 'not_found');
    assert.equal(homeserver.users.has('nobody'), false, 'reactivation never creates a user');

    // The limitation: with password login on, Synapse before the check was dropped wants a password.
    homeserver.passwordLogin = true;
    expectOk(await connector.deleteUser('gus', false));
    const refused = await connector.reactivateUser('gus');
    assert.equal(!refused.ok && refused.error.kind, 'rejected');
    assert.match(!refused.ok ? refused.error.message : '', /password/);
    assert.equal(gus.deactivated, true);
  });

  test('setDisplayName sets and removes a name, and never creates a user', async () => {
    homeserver.users.set('hana', newLegacyUser());
    expectOk(await connector.setDisplayName('hana', 'Hana'));
    assert.equal(homeserver.users.get('hana')!.displayName, 'Hana');
    expectOk(await connector.setDisplayName('hana', null));
    assert.deepEqual(homeserver.callsOf('modify_user').at(-1)!.body, { displayname: '' });
    assert.equal(homeserver.users.get('hana')!.displayName, null);
    assert.equal(errorKind(await connector.setDisplayName('nobody', 'x')), 'not_found');
    assert.equal(homeserver.users.has('nobody'), false);
  });

  test('allowCrossSigningReset: allowed with a master key, a no-op without, not_found for no user', async () => {
    homeserver.users.set('ivan', { ...newLegacyUser(), hasMasterKey: true });
    homeserver.users.set('jade', newLegacyUser());
    expectOk(await connector.allowCrossSigningReset('ivan'));
    assert.equal(homeserver.users.get('ivan')!.crossSigningResetAllowed, true);
    assert.deepEqual(homeserver.callsOf('allow_cross_signing_replacement').at(-1)!.body, {});
    expectOk(await connector.allowCrossSigningReset('jade'), 'no key: nothing to allow');
    assert.equal(errorKind(await connector.allowCrossSigningReset('nobody')), 'not_found');
    // Synapse < 1.97 lacks the endpoint: a refusal for an operator, not a missing user retried forever.
    homeserver.missing.add('allow_cross_signing_replacement');
    assert.equal(errorKind(await connector.allowCrossSigningReset('ivan')), 'rejected');
  });

  test('user and device ids are URL-encoded; another server name is refused', async () => {
    expectOk(await connector.provisionUser({ localpart: 'a/b=c+d', displayName: 'Slash' }));
    expectOk(await connector.upsertDevice('a/b=c+d', 'DEV/1 x?', 'odd'));
    assert.equal(homeserver.users.get('a/b=c+d')!.devices.get('DEV/1 x?')!.displayName, 'odd');
    expectOk(await connector.deleteDevice('a/b=c+d', 'DEV/1 x?'));
    assert.equal(homeserver.users.get('a/b=c+d')!.devices.size, 0);
    const elsewhere = connectorFor(homeserver, { serverName: 'other.test' });
    const refused = await elsewhere.queryUser('a/b=c+d');
    assert.equal(!refused.ok && refused.error.kind === 'rejected' && refused.error.status, 400);
  });

  test('a wrong token or a non-admin token is unauthorized', async () => {
    homeserver.users.set('kim', newLegacyUser());
    homeserver.userTokens.add('kims-own-token');
    for (const secret of ['wrong', 'kims-own-token', '']) {
      const other = connectorFor(homeserver, { secret });
      assert.equal(errorKind(await other.queryUser('kim')), 'unauthorized', secret);
      assert.equal(errorKind(await other.isLocalpartAvailable('kim')), 'unauthorized', secret);
      assert.equal(errorKind(await other.deleteDevice('kim', 'X')), 'unauthorized', secret);
    }
  });

  test('answers without the fields the admin API promises are transient; available: false is taken', async () => {
    const answers: Record<string, unknown> = {
      '/_synapse/admin/v1/username_available': { available: false },
      '/_synapse/admin/v2/users/%40mo%3Aexample.test': { displayname: 'no name field' },
      '/_synapse/admin/v2/users/%40mo%3Aexample.test/devices': { total: 0 },
    };
    const stub = new SynapseLegacyConnector({
      endpoint: new URL('http://homeserver.invalid/'),
      serverName: SERVER,
      secret: ADMIN_TOKEN,
      fetch: async (url) => Response.json(answers[new URL(String(url)).pathname] ?? {}, { status: 200 }),
    });
    assert.equal(errorKind(await stub.isLocalpartAvailable('mo')), 'user_in_use');
    answers['/_synapse/admin/v1/username_available'] = {};
    assert.equal(errorKind(await stub.isLocalpartAvailable('mo')), 'transient');
    assert.equal(errorKind(await stub.queryUser('mo')), 'transient');
    assert.equal(errorKind(await stub.reactivateUser('mo')), 'transient');
    assert.equal(errorKind(await stub.syncDevices('mo', [])), 'transient');
  });

  test('a homeserver that is down, erring, throttling, confused or silent is transient, never a throw', {
    timeout: 20_000,
  }, async () => {
    homeserver.users.set('lou', newLegacyUser());
    const everyCall = (c: HomeserverConnector) => [
      c.queryUser('lou'),
      c.isLocalpartAvailable('lou2'),
      c.provisionUser({ localpart: 'lou', displayName: 'Lou', emails: [], locked: false }),
      c.upsertDevice('lou', 'D', 'name'),
      c.updateDeviceDisplayName('lou', 'D', 'name'),
      c.deleteDevice('lou', 'D'),
      c.syncDevices('lou', ['D']),
      c.deleteUser('lou', false),
      c.reactivateUser('lou'),
      c.setDisplayName('lou', 'Lou'),
      c.allowCrossSigningReset('lou'),
    ];
    const down = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const unreachable = connectorFor(homeserver, { endpoint: `http://127.0.0.1:${down}/` });
    for (const result of await Promise.all(everyCall(unreachable)))
      assert.equal(errorKind(result), 'transient', 'server down');
    for (const mode of ['error500', 'ratelimit', 'garbage', 'hang'] as const) {
      homeserver.misbehave = mode;
      const results = await Promise.all(everyCall(connector));
      for (const result of results) assert.equal(errorKind(result), 'transient', mode);
    }
    homeserver.misbehave = 'no';
    assert.equal(homeserver.users.get('lou')!.deactivated, false, 'nothing happened meanwhile');
  });
});

const PASSWORD = 'correct horse battery staple';
for (const kind of DATABASE_KINDS) {
  describe(`mxauth with matrix.kind synapse_legacy [${kind}]`, () => {
    const homeserver = new LegacyContractHomeserver(SERVER, ADMIN_TOKEN);
    let running: RunningMxauth;
    let mxauth: Mxauth;
    let base: string;
    let client: oidc.Configuration;

    before(async () => {
      await homeserver.start();
      ({ running, client } = await startWithHomeserver(kind, {
        kind: 'synapse_legacy',
        homeserver: SERVER,
        endpoint: homeserver.endpoint,
        secret: ADMIN_TOKEN,
      }));
      ({ mxauth, base } = running);
    });
    after(async () => {
      await running.close();
      await homeserver.stop();
      assert.deepEqual(homeserver.violations, [], 'every request mxauth sent kept to the admin API');
    });

    async function register(localpart: string) {
      const registered = await mxauth.users.register({
        localpart,
        password: PASSWORD,
        email: `${localpart}@example.org`,
        displayName: `${localpart} display`,
      });
      expectOk(registered, `${localpart} registers`);
      await eventually(`${localpart} is created`, () => homeserver.users.has(localpart));
      return registered.value;
    }

    const signIn = (localpart: string, device: string) =>
      signInDevice(base, client, { localpart, password: PASSWORD }, device);

    test('registration checks the name, then creates the user with display name and email', async () => {
      await register('alice');
      const alice = homeserver.users.get('alice')!;
      assert.equal(alice.displayName, 'alice display');
      assert.deepEqual(alice.threepids, [{ medium: 'email', address: 'alice@example.org' }]);
      assert.equal(alice.locked, false);
      assert.ok(
        homeserver.callsOf('username_available').some((c) => c.query.username === 'alice'),
        'the name was checked',
      );
      assert.ok(
        homeserver.callsOf('modify_user').some((c) => c.userId === '@alice:example.test'),
        'the user was created',
      );

      homeserver.exclusive.add('telegram_1');
      const reserved = await mxauth.users.register({ localpart: 'telegram_1', password: PASSWORD });
      assert.equal(!reserved.ok && reserved.error.kind, 'localpart_unavailable');
      homeserver.users.set('legacy', newLegacyUser());
      const taken = await mxauth.users.register({ localpart: 'legacy', password: PASSWORD });
      assert.equal(!taken.ok && taken.error.kind, 'localpart_taken');
    });

    test('the device exists on the homeserver before the client holds its token', async () => {
      await register('bob');
      const { status } = await signIn('bob', 'BOBPHONE');
      assert.equal(status, 200);
      // No waiting: the token response is only sent once the device was created and named.
      assert.deepEqual(homeserver.users.get('bob')!.devices.get('BOBPHONE'), {
        displayName: 'Element',
        dehydrated: false,
      });
    });

    test('revoking a token deletes the device on the homeserver', async () => {
      await register('carol');
      const { body } = await signIn('carol', 'CAROLTAB');
      assert.ok(homeserver.users.get('carol')!.devices.has('CAROLTAB'), 'the device exists');
      await oidc.tokenRevocation(client, body.refresh_token!);
      await eventually(
        'the device is deleted',
        () => !homeserver.users.get('carol')!.devices.has('CAROLTAB'),
      );
      assert.ok(
        homeserver
          .callsOf('delete_device')
          .some((c) => c.userId === '@carol:example.test' && c.deviceId === 'CAROLTAB'),
        'deleted with the device id in the path',
      );
    });

    test('deactivation with erase and reactivation reach the homeserver', async () => {
      await register('dave');
      await signIn('dave', 'DAVE1');
      const done = await mxauth.users.deactivate('dave', { erase: true });
      expectOk(done);
      await eventually('the deactivation arrives', () => homeserver.users.get('dave')!.deactivated);
      assert.equal(homeserver.users.get('dave')!.erased, true);
      assert.equal(homeserver.users.get('dave')!.devices.size, 0);
      const back = await mxauth.users.reactivate('dave');
      expectOk(back);
      await eventually('the reactivation arrives', () => !homeserver.users.get('dave')!.deactivated);
    });
  });
}
