import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'matrix-js-sdk';
import { ContractHomeserver } from '../helpers/contract-homeserver.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { introspectAsHomeserver } from '../helpers/homeserver-flows.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'compat-secret';
// matrix-js-sdk logs every request at debug level; keep the test output readable.
const quiet = { debug() {}, info() {}, warn() {}, error() {}, trace() {}, getChild: () => quiet } as never;

for (const kind of DATABASE_KINDS) {
  describe(`compatibility login API with matrix-js-sdk as the legacy client [${kind}]`, () => {
    const homeserver = new ContractHomeserver('example.test', SECRET);
    let server: RunningMxauth;
    let base: string;

    before(async () => {
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
          account: { password_registration_enabled: true, login_with_email_allowed: true },
          // The test's requests all come from 127.0.0.1: room for them, and a tight limit per account.
          rate_limiting: {
            login: { per_ip: { burst: 1000, per_second: 100 }, per_account: { burst: 20, per_second: 1 } },
          },
        },
        { mxauth: { outbox: { pollMs: 20, backoffCapMs: 200 } } },
      );
      base = server.base.replace(/\/$/, '');
      for (const localpart of ['alice', 'bob', 'carol', 'dora', 'erin']) {
        assert.ok(
          (
            await server.mxauth.users.register({
              localpart,
              password: PASSWORD,
              email: `${localpart}@example.org`,
            })
          ).ok,
        );
        await eventually(`${localpart} is provisioned`, () => homeserver.users.has(localpart));
      }
    });
    after(async () => {
      await server.close();
      await homeserver.stop();
      assert.deepEqual(homeserver.violations, []);
    });

    const introspect = (token: string) => introspectAsHomeserver(server.base, SECRET, token);
    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${base}/_matrix/client/v3/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const password = (user: string, extra: Record<string, unknown> = {}) => ({
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user },
      password: PASSWORD,
      ...extra,
    });

    test('GET /login lists password, token and SSO (OIDC-aware) flows', async () => {
      const flows = await createClient({ baseUrl: base, logger: quiet }).loginFlows();
      assert.deepEqual(
        flows.flows.map((f) => f.type),
        ['m.login.password', 'm.login.token', 'm.login.sso'],
      );
      const sso = flows.flows.find((f) => f.type === 'm.login.sso') as unknown as Record<string, unknown>;
      assert.equal(sso.oauth_aware_preferred, true);
      assert.equal(sso['org.matrix.msc3824.delegated_oidc_compatibility'], true);
    });

    test('password login: a device on the homeserver first, then a token that introspects as that device', async () => {
      const client = createClient({ baseUrl: base, logger: quiet });
      const login = await client.loginRequest({
        ...password('alice'),
        initial_device_display_name: 'Fractal',
        refresh_token: true,
      } as never);
      assert.equal(login.user_id, '@alice:example.test');
      assert.match(login.access_token, /^mct_[A-Za-z0-9]{30}_[A-Za-z0-9]{6}$/);
      assert.match(login.refresh_token!, /^mcr_/);
      assert.equal(login.expires_in_ms, 300_000);
      assert.equal(
        homeserver.users.get('alice')!.devices.get(login.device_id),
        'Fractal',
        'before the answer',
      );
      const answer = await introspect(login.access_token);
      assert.equal(answer.active, true);
      assert.equal(answer.username, 'alice');
      assert.equal(answer.device_id, login.device_id);
      assert.match(String(answer.scope), /urn:matrix:client:api:\*/);
      assert.ok(typeof answer.expires_in === 'number' && answer.expires_in <= 300);

      // Refresh rotates; a retry of a refresh whose answer was lost still works; the old tokens die.
      const first = await client.refreshToken(login.refresh_token!);
      assert.deepEqual(await introspect(login.access_token), { active: false });
      const retried = await client.refreshToken(login.refresh_token!);
      assert.notEqual(retried.access_token, first.access_token);
      assert.deepEqual(await introspect(first.access_token), { active: false }, 'the lost pair is replaced');
      assert.equal((await introspect(retried.access_token)).active, true);
      const next = await client.refreshToken(retried.refresh_token!);
      // Now the first token is a replay: its successor was used. The session ends.
      const replay = await post('refresh', { refresh_token: login.refresh_token });
      assert.equal(replay.status, 401);
      assert.equal(replay.body.errcode, 'M_UNKNOWN_TOKEN');
      assert.deepEqual(await introspect(next.access_token), { active: false }, 'a replay ends the session');
      await eventually(
        'the device is deleted',
        () => !homeserver.users.get('alice')!.devices.has(login.device_id),
      );
    });

    test('logout deletes the device; the deprecated user field and a full user id work', async () => {
      const client = createClient({ baseUrl: base, logger: quiet });
      const login = await client.loginRequest({
        type: 'm.login.password',
        user: '@bob:example.test',
        password: PASSWORD,
      } as never);
      assert.equal(login.user_id, '@bob:example.test');
      assert.equal(login.refresh_token, undefined, 'no refresh token unless asked');
      const signedIn = createClient({
        baseUrl: base,
        accessToken: login.access_token,
        userId: login.user_id,
        logger: quiet,
      });
      await signedIn.logout();
      assert.deepEqual(await introspect(login.access_token), { active: false });
      await eventually('delete_device arrives', () =>
        homeserver
          .callsOf('delete_device')
          .some((c) => c.body?.localpart === 'bob' && c.body.device_id === login.device_id),
      );
      const again = await post('logout', {}, { authorization: `Bearer ${login.access_token}` });
      assert.equal(again.status, 401);
      assert.equal(again.body.errcode, 'M_UNKNOWN_TOKEN');
    });

    test('an email address signs in as m.id.thirdparty when login with email is allowed', async () => {
      const answer = await post('login', {
        type: 'm.login.password',
        identifier: { type: 'm.id.thirdparty', medium: 'email', address: 'Bob@Example.org' },
        password: PASSWORD,
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.user_id, '@bob:example.test');
      const phone = await post('login', {
        type: 'm.login.password',
        identifier: { type: 'm.id.thirdparty', medium: 'msisdn', address: '+491701234567' },
        password: PASSWORD,
      });
      assert.equal(phone.status, 400);
      assert.equal(phone.body.errcode, 'M_UNKNOWN');
    });

    test('reusing a device id ends the session that had it; logout/all ends every session', async () => {
      const one = await post('login', password('carol', { device_id: 'CAROLDEV' }));
      const two = await post('login', password('carol', { device_id: 'CAROLDEV' }));
      assert.equal(two.body.device_id, 'CAROLDEV');
      assert.deepEqual(await introspect(one.body.access_token as string), { active: false });
      assert.equal((await introspect(two.body.access_token as string)).active, true);
      assert.ok(homeserver.users.get('carol')!.devices.has('CAROLDEV'), 'the device stays');
      const other = await post('login', password('carol'));
      const all = await post('logout/all', {}, { authorization: `Bearer ${two.body.access_token}` });
      assert.equal(all.status, 200);
      for (const token of [two.body.access_token, other.body.access_token])
        assert.deepEqual(await introspect(token as string), { active: false });
    });

    test('compat devices count in sync_devices, and deactivation ends their sessions', async () => {
      const login = await post('login', password('erin', { device_id: 'ERINBOT' }));
      assert.equal(login.status, 200);
      assert.ok((await server.mxauth.users.syncDevices('erin')).ok);
      await eventually('sync_devices arrives', () => homeserver.callsOf('sync_devices').length > 0);
      assert.deepEqual(homeserver.callsOf('sync_devices').at(-1)!.body, {
        localpart: 'erin',
        devices: ['ERINBOT'],
      });
      assert.ok((await server.mxauth.users.deactivate('erin', { erase: false })).ok);
      assert.deepEqual(await introspect(login.body.access_token as string), { active: false });
      assert.ok((await server.mxauth.users.reactivate('erin')).ok);
      assert.deepEqual(await introspect(login.body.access_token as string), { active: false }, 'still ended');
      assert.ok((await server.mxauth.users.syncDevices('erin')).ok);
      await eventually('the second sync arrives', () => homeserver.callsOf('sync_devices').length > 1);
      assert.deepEqual(homeserver.callsOf('sync_devices').at(-1)!.body, { localpart: 'erin', devices: [] });
    });

    test('errors are Matrix JSON with the right status, never a 500', async () => {
      const expect = async (body: unknown, status: number, errcode: string) => {
        const answer = await post('login', body);
        assert.equal(answer.status, status, JSON.stringify(body));
        assert.equal(answer.body.errcode, errcode, JSON.stringify(body));
        assert.equal(typeof answer.body.error, 'string');
      };
      await expect({ ...password('dora'), password: 'wrong' }, 403, 'M_FORBIDDEN');
      await expect({ ...password('nobody'), password: 'wrong' }, 403, 'M_FORBIDDEN');
      await expect({ type: 'm.login.fancy' }, 400, 'M_UNKNOWN');
      await expect('{not json', 400, 'M_NOT_JSON');
      await expect([1, 2], 400, 'M_BAD_JSON');
      await expect(
        { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'dora' } },
        400,
        'M_MISSING_PARAM',
      );
      await expect(
        { identifier: { type: 'm.id.user', user: 'dora' }, password: PASSWORD },
        400,
        'M_MISSING_PARAM',
      );
      await expect({ type: 'm.login.token', token: 'mcl_nope' }, 403, 'M_FORBIDDEN');
      await expect(password('dora', { device_id: 'bad id' }), 400, 'M_INVALID_PARAM');
      const refresh = await post('refresh', { refresh_token: 'mcr_unknown' });
      assert.equal(refresh.status, 401);
      assert.equal(refresh.body.errcode, 'M_UNKNOWN_TOKEN');
      const noToken = await post('logout', {});
      assert.equal(noToken.status, 401);
      assert.equal(noToken.body.errcode, 'M_MISSING_TOKEN');

      assert.ok((await server.mxauth.users.setLocked('dora', true)).ok);
      await expect(password('dora'), 401, 'M_USER_LOCKED');
      assert.ok((await server.mxauth.users.deactivate('dora', { erase: false })).ok);
      await expect(password('dora'), 403, 'M_USER_DEACTIVATED');
    });

    test('brute force: the account is rate limited with retry_after_ms, other accounts are not', async () => {
      let limited: { status: number; body: Record<string, unknown> } | undefined;
      for (let i = 0; i < 25 && !limited; i++) {
        const answer = await post('login', { ...password('carol'), password: `wrong ${i}` });
        if (answer.status === 429) limited = answer;
      }
      assert.ok(limited, 'limited within 25 attempts');
      assert.equal(limited.body.errcode, 'M_LIMIT_EXCEEDED');
      assert.ok(typeof limited.body.retry_after_ms === 'number' && limited.body.retry_after_ms > 0);
      const other = await post('login', password('bob'));
      assert.equal(other.status, 200, 'another account is unaffected');
      const early = await post('login', password('carol'));
      assert.equal(early.status, 429, 'not even the right password before the wait');
      server.clock.advance(Number(limited.body.retry_after_ms));
      const after = await post('login', password('carol'));
      assert.equal(after.status, 200, 'the right password works after the wait');
    });
  });
}
