import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import { sweepExpired } from '../../src/jobs/sweep.js';
import { adapterFactory, sha256 } from '../../src/oauth/adapter.js';
import { SecretBox } from '../../src/services/secret-box.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

for (const kind of DATABASE_KINDS) {
  describe(`OAuth engine storage [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    const clock = new ManualClock();
    const box = new SecretBox(Buffer.alloc(32, 7));
    let Adapter: ReturnType<typeof adapterFactory>;

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, clock, cryptoRng);
      Adapter = adapterFactory(storage.oauthRecords, clock, box);
    });
    after(() => database.close());

    test('token values are stored only as hashes, and found again by value', async () => {
      const tokens = new Adapter('AccessToken');
      const value = 'at-secret-value-1234567890';
      await tokens.upsert(
        value,
        { jti: value, grantId: 'g1', accountId: 'u1', scope: 'openid', kind: 'AccessToken' },
        300,
      );
      const rows = await database.db.selectFrom('oauth_records').selectAll().execute();
      assert.doesNotMatch(JSON.stringify(rows), /at-secret-value/);
      assert.equal(rows[0]?.id_hash, sha256(value));
      assert.deepEqual(await tokens.find(value), {
        grantId: 'g1',
        accountId: 'u1',
        scope: 'openid',
        kind: 'AccessToken',
        jti: value,
      });
      assert.equal(await tokens.find('another'), undefined);
    });

    test('expired records are not found; consumed ones say so', async () => {
      const codes = new Adapter('AuthorizationCode');
      await codes.upsert('code-1', { jti: 'code-1', grantId: 'g2' }, 60);
      await codes.consume('code-1');
      assert.equal((await codes.find('code-1'))?.consumed, Math.floor(clock.now().getTime() / 1000));
      await codes.upsert('code-1', { jti: 'code-1', grantId: 'g2' }, 60);
      assert.ok((await codes.find('code-1'))?.consumed, 'saving again does not undo consumption');
      clock.advance(61_000);
      assert.equal(await codes.find('code-1'), undefined);
      assert.equal(await sweepExpired(storage), 1, 'the sweep deletes what expired');
      assert.equal(await sweepExpired(storage), 0);
    });

    test('revoking a grant removes all of its records', async () => {
      const at = new Adapter('AccessToken');
      const rt = new Adapter('RefreshToken');
      await at.upsert('a1', { grantId: 'g3' }, 300);
      await rt.upsert('r1', { grantId: 'g3' }, 3000);
      await at.upsert('a2', { grantId: 'other' }, 300);
      await at.revokeByGrantId('g3');
      assert.equal(await at.find('a1'), undefined);
      assert.equal(await rt.find('r1'), undefined);
      assert.ok(await at.find('a2'));
    });

    test('sessions found by uid and device codes found by user code get their id back', async () => {
      const sessions = new Adapter('Session');
      await sessions.upsert('cookie-secret', { jti: 'cookie-secret', uid: 'uid-1', accountId: 'u1' }, 3600);
      const found = await sessions.findByUid('uid-1');
      assert.equal(found?.jti, 'cookie-secret');
      assert.doesNotMatch(
        JSON.stringify(await database.db.selectFrom('oauth_records').selectAll().execute()),
        /cookie-secret/,
      );

      const deviceCodes = new Adapter('DeviceCode');
      await deviceCodes.upsert(
        'device-code-value',
        { jti: 'device-code-value', userCode: 'WDJB-MJHT', grantId: 'g4' },
        600,
      );
      const byUserCode = await deviceCodes.findByUserCode('WDJB-MJHT');
      assert.equal(byUserCode?.jti, 'device-code-value');
      assert.equal(byUserCode?.userCode, 'WDJB-MJHT');
      assert.equal(await deviceCodes.findByUserCode('XXXX-XXXX'), undefined);
    });

    test("an interaction does not keep the browser's session cookie value", async () => {
      const interactions = new Adapter('Interaction');
      await interactions.upsert(
        'uid-2',
        { jti: 'uid-2', session: { uid: 's', cookie: 'session-cookie-secret', accountId: 'u' } },
        600,
      );
      assert.deepEqual((await interactions.find('uid-2'))?.session, { uid: 's', accountId: 'u' });
      await interactions.upsert('uid-3', { jti: 'uid-3', deviceCode: 'device-polling-secret' }, 600);
      assert.equal((await interactions.find('uid-3'))?.deviceCode, 'device-polling-secret');
      assert.doesNotMatch(
        JSON.stringify(await database.db.selectFrom('oauth_records').selectAll().execute()),
        /session-cookie-secret/,
      );
    });

    test('a device session is created once per grant and finished once', async () => {
      const user = await storage.users.create({ localpart: 'dev' });
      assert.ok(user.ok);
      const session = await storage.oauthSessions.create({
        userId: user.value.id,
        clientId: 'client',
        grantId: 'grant-x',
        deviceId: 'DEVICE',
        scope: 'urn:matrix:client:api:* urn:matrix:client:device:DEVICE',
      });
      assert.deepEqual(await storage.oauthSessions.findByGrantId('grant-x'), session);
      assert.deepEqual(
        (await storage.oauthSessions.activeForDevice(user.value.id, 'DEVICE')).map((s) => s.id),
        [session.id],
      );
      assert.ok(await storage.oauthSessions.finish(session.id));
      assert.equal(await storage.oauthSessions.finish(session.id), undefined, 'already finished');
      assert.deepEqual(await storage.oauthSessions.activeForDevice(user.value.id, 'DEVICE'), []);
      assert.equal((await storage.oauthSessions.listForUser(user.value.id, { active: false })).length, 1);
    });
  });
}

test('sealed values open only with the same key and unaltered', () => {
  const box = new SecretBox(Buffer.alloc(32, 1));
  const sealed = box.seal('hello');
  assert.equal(box.open(sealed), 'hello');
  assert.notEqual(box.seal('hello'), sealed, 'a fresh IV each time');
  assert.equal(new SecretBox(Buffer.alloc(32, 2)).open(sealed), undefined);
  assert.equal(box.open(`${sealed.slice(0, -2)}AA`), undefined);
  assert.equal(box.open('garbage'), undefined);
});
