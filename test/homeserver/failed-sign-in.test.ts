import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import type { Job } from '../../src/domain/job.js';
import { createLogger } from '../../src/observability/logger.js';
import { ContractHomeserver } from '../helpers/contract-homeserver.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { signInDevice, startWithHomeserver } from '../helpers/homeserver-flows.js';
import type { RunningMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'failed-sign-in-secret';

/**
 * A sign-in the homeserver refuses (a wrong shared secret) or cannot be asked about must leave no job
 * behind that would retry for ever or, once the homeserver answers again, create the device of a sign-in
 * that never happened. A refused secret is logged at warn once, saying what to check.
 */
for (const kind of DATABASE_KINDS) {
  describe(`a failed sign-in leaves nothing behind [${kind}]`, () => {
    const homeserver = new ContractHomeserver('example.test', SECRET);
    const lines: Record<string, unknown>[] = [];
    let running: RunningMxauth;
    let client: oidc.Configuration;

    before(async () => {
      await homeserver.start();
      const sink = new Writable({
        write(chunk, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      });
      ({ running, client } = await startWithHomeserver(
        kind,
        { kind: 'synapse', homeserver: 'example.test', endpoint: homeserver.endpoint, secret: SECRET },
        { logger: createLogger('info', sink) },
      ));
      const registered = await running.mxauth.users.register({ localpart: 'fay', password: PASSWORD });
      assert.ok(registered.ok);
      await eventually('fay is provisioned', () => homeserver.users.has('fay'));
    });
    after(async () => {
      await running.close();
      await homeserver.stop();
    });

    const compatLogin = (deviceId: string) =>
      fetch(`${running.base}_matrix/client/v3/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'm.login.password',
          identifier: { type: 'm.id.user', user: 'fay' },
          password: PASSWORD,
          device_id: deviceId,
        }),
      });
    /** Every job not done, about one of `devices`. */
    const jobsAbout = async (devices: string[]): Promise<Job[]> =>
      (
        await running.mxauth.services.storage.jobs.list({
          states: ['pending', 'running', 'failed'],
          limit: 1000,
        })
      ).filter((job) => devices.includes((job.payload as { deviceId?: string }).deviceId ?? ''));
    /** A sign-in that works: delivering its device first delivers every earlier job of the user, in order. */
    const flush = async (device: string) => {
      const ok = await signInDevice(running.base, client, { localpart: 'fay', password: PASSWORD }, device);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    };

    test('a refused secret: no upsert_device or delete_device job, no device later, one warning', async () => {
      homeserver.misbehave = 'refuse_secret';
      try {
        const oauth = await signInDevice(
          running.base,
          client,
          { localpart: 'fay', password: PASSWORD },
          'FAYREFUSED',
        );
        assert.equal(oauth.status, 503);
        assert.equal(oauth.body.error, 'temporarily_unavailable');
        assert.equal((await compatLogin('FAYCOMPAT')).status, 503);
        assert.equal((await compatLogin('FAYCOMPAT2')).status, 503);
        assert.deepEqual(await jobsAbout(['FAYREFUSED', 'FAYCOMPAT', 'FAYCOMPAT2']), []);
      } finally {
        homeserver.misbehave = 'no';
      }
      await flush('FAYOK');
      const devices = homeserver.users.get('fay')!.devices;
      assert.ok(devices.has('FAYOK'));
      for (const device of ['FAYREFUSED', 'FAYCOMPAT', 'FAYCOMPAT2'])
        assert.ok(!devices.has(device), `${device} was never created`);
      assert.equal(
        homeserver.calls.filter((c) => c.op === 'upsert_device' && c.body?.device_id === 'FAYREFUSED').length,
        0,
      );
      const warnings = lines.filter(
        (l) => l.level === 'warn' && /refused the shared secret/.test(String(l.msg)),
      );
      assert.equal(warnings.length, 1, 'three refused calls, one warning');
      assert.match(String(warnings[0]!.msg), /matrix_authentication_service\.secret/);
      assert.ok(
        lines.some((l) => l.msg === 'the homeserver accepts the shared secret again'),
        'and a line when it works again',
      );
    });

    test('a device the homeserver refuses (400): no job left, no device', async () => {
      const refused = ['FAYBAD', 'FAYBADCOMPAT'];
      homeserver.failCall = (call) =>
        call.op === 'upsert_device' && refused.includes(call.body?.device_id as string)
          ? { status: 400, body: { errcode: 'M_INVALID_PARAM', error: 'Invalid device' } }
          : undefined;
      try {
        const oauth = await signInDevice(
          running.base,
          client,
          { localpart: 'fay', password: PASSWORD },
          'FAYBAD',
        );
        assert.equal(oauth.status, 503);
        assert.equal((await compatLogin('FAYBADCOMPAT')).status, 503);
        for (const device of refused)
          assert.equal(
            homeserver.calls.filter((c) => c.op === 'upsert_device' && c.body?.device_id === device).length,
            1,
            `${device} was asked for once`,
          );
        assert.deepEqual(await jobsAbout(refused), [], 'a refused device leaves no job behind');
      } finally {
        homeserver.failCall = undefined;
      }
      await flush('FAYOK3');
      assert.deepEqual(await jobsAbout(refused), []);
      const devices = homeserver.users.get('fay')!.devices;
      for (const device of refused) assert.ok(!devices.has(device), `${device} was never created`);
      assert.equal(
        homeserver.calls.filter(
          (c) => c.op === 'delete_device' && refused.includes(c.body?.device_id as string),
        ).length,
        0,
        'nothing to delete',
      );
    });

    test('a homeserver that errs: the upsert is dropped, a delete follows in case the call took effect', async () => {
      homeserver.misbehave = 'error500';
      try {
        const oauth = await signInDevice(
          running.base,
          client,
          { localpart: 'fay', password: PASSWORD },
          'FAYERR',
        );
        assert.equal(oauth.status, 503);
        const left = await jobsAbout(['FAYERR']);
        assert.deepEqual(
          left.map((job) => job.kind),
          ['delete_device'],
          'a 5xx may hide a device that was made',
        );
      } finally {
        homeserver.misbehave = 'no';
      }
      await flush('FAYOK2');
      assert.deepEqual(
        await jobsAbout(['FAYERR']),
        [],
        'the delete is delivered once the homeserver answers',
      );
      assert.ok(!homeserver.users.get('fay')!.devices.has('FAYERR'));
    });
  });
}
