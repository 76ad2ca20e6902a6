import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

// Listings as an admin pages through them: filters, keyset pages both ways, and counts that agree.

for (const kind of DATABASE_KINDS) {
  describe(`filtered pages and counts [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    const clock = new ManualClock();
    const ids: Record<string, string> = {};
    const names = ['ada', 'bo_b', 'cy', 'dee', 'e%e', 'fay', 'gus'];

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, clock, cryptoRng);
      for (const localpart of names) {
        const created = await storage.users.create({ localpart, canRequestAdmin: localpart === 'cy' });
        assert.ok(created.ok);
        ids[localpart] = created.value.id;
      }
      await storage.users.setLocked(ids.dee!, true);
      await storage.users.setDeactivated(ids.fay!, true);
      // Locked and deactivated: deactivated, as userStatus says.
      await storage.users.setLocked(ids.gus!, true);
      await storage.users.setDeactivated(ids.gus!, true);
    });
    after(() => database.close());

    const localparts = (users: { localpart: string }[]) => users.map((u) => u.localpart);

    test('pages forward and back by cursor, saying whether more follow', async () => {
      const first = await storage.users.page({}, { first: 3 });
      assert.deepEqual(localparts(first.items), ['ada', 'bo_b', 'cy']);
      assert.deepEqual([first.hasPrevious, first.hasNext], [false, true]);
      const second = await storage.users.page({}, { first: 3, after: first.items.at(-1)!.id });
      assert.deepEqual(localparts(second.items), ['dee', 'e%e', 'fay']);
      const third = await storage.users.page({}, { first: 3, after: second.items.at(-1)!.id });
      assert.deepEqual(localparts(third.items), ['gus']);
      assert.deepEqual([third.hasPrevious, third.hasNext], [true, false]);
      const back = await storage.users.page({}, { last: 2, before: ids.dee });
      assert.deepEqual(localparts(back.items), ['bo_b', 'cy']);
      assert.deepEqual([back.hasPrevious, back.hasNext], [true, true]);
      const last = await storage.users.page({}, { last: 2 });
      assert.deepEqual(localparts(last.items), ['fay', 'gus']);
      // Sizes as a query string may give them: never an SQL error, always 1 to 1000 rows.
      assert.equal((await storage.users.page({}, { first: Number.NaN })).items.length, names.length);
      assert.equal((await storage.users.page({}, { first: 0 })).items.length, 1);
      assert.equal((await storage.users.page({}, { first: 2.5 })).items.length, 2);
      assert.equal((await storage.users.page({}, { first: 1e9 })).items.length, names.length);
    });

    test('filters by status, admin right and text, and counts the same', async () => {
      const cases: [Parameters<Storage['users']['page']>[0], string[]][] = [
        [{ status: 'active' }, ['ada', 'bo_b', 'cy', 'e%e']],
        [{ status: 'locked' }, ['dee']],
        [{ status: 'deactivated' }, ['fay', 'gus']],
        [{ canRequestAdmin: true }, ['cy']],
        [{ canRequestAdmin: false, status: 'active' }, ['ada', 'bo_b', 'e%e']],
        // LIKE's wildcards are literal text in a search.
        [{ search: '_' }, ['bo_b']],
        [{ search: '%' }, ['e%e']],
        [{ search: 'A' }, ['ada', 'fay']],
      ];
      for (const [filter, expected] of cases) {
        assert.deepEqual(
          localparts((await storage.users.page(filter, {})).items),
          expected,
          JSON.stringify(filter),
        );
        assert.equal(await storage.users.count(filter), expected.length, JSON.stringify(filter));
      }
      assert.equal(await storage.users.count(), names.length);
    });

    test('sessions filter by user, device, client and status', async () => {
      const open = async (user: string, client: string, device: string) =>
        storage.oauthSessions.create({
          userId: ids[user]!,
          clientId: client,
          grantId: `grant-${user}-${device}`,
          deviceId: device,
          scope: 'openid',
        });
      await open('ada', 'c1', 'DEV1');
      const finished = await open('ada', 'c2', 'DEV2');
      await open('bo_b', 'c1', 'DEV3');
      await storage.oauthSessions.finish(finished.id);
      const devices = async (filter: Parameters<Storage['oauthSessions']['page']>[0]) =>
        (await storage.oauthSessions.page(filter, {})).items.map((s) => s.deviceId);
      assert.deepEqual(await devices({ userId: ids.ada }), ['DEV1', 'DEV2']);
      assert.deepEqual(await devices({ userId: ids.ada, status: 'active' }), ['DEV1']);
      assert.deepEqual(await devices({ status: 'finished' }), ['DEV2']);
      assert.deepEqual(await devices({ clientId: 'c1' }), ['DEV1', 'DEV3']);
      assert.deepEqual(await devices({ deviceId: 'DEV3' }), ['DEV3']);
      assert.equal(await storage.oauthSessions.count({ clientId: 'c1', status: 'active' }), 2);

      const compat = await storage.compatSessions.create({
        userId: ids.cy!,
        deviceId: 'LEGACY1',
        origin: 'password',
        isAdmin: false,
        displayName: null,
        userAgent: null,
        ip: null,
      });
      await storage.compatSessions.create({
        userId: ids.cy!,
        deviceId: 'LEGACY2',
        origin: 'password',
        isAdmin: false,
        displayName: null,
        userAgent: null,
        ip: null,
      });
      await storage.compatSessions.finish(compat.id);
      const legacy = await storage.compatSessions.page({ userId: ids.cy, status: 'active' }, { first: 10 });
      assert.deepEqual(
        legacy.items.map((s) => s.deviceId),
        ['LEGACY2'],
      );
      assert.equal(await storage.compatSessions.count({ userId: ids.cy }), 2);
    });
  });
}
