import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

for (const kind of DATABASE_KINDS) {
  describe(`storage [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    const clock = new ManualClock();

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, clock, cryptoRng);
    });
    after(() => database.close());

    test('a user is created once per localpart and found again', async () => {
      const created = await storage.users.create({
        localpart: 'alice',
        displayName: 'Alice',
        canRequestAdmin: true,
      });
      assert.ok(created.ok);
      assert.equal(created.value.canRequestAdmin, true);
      const again = await storage.users.create({ localpart: 'alice' });
      assert.deepEqual(again, { ok: false, error: 'taken' });
      const found = await storage.users.findByLocalpart('alice');
      assert.deepEqual(found, created.value);
      assert.deepEqual(await storage.users.findById(created.value.id), created.value);
      assert.equal(await storage.users.findByLocalpart('nobody'), undefined);
    });

    test('locking records when, unlocking clears it', async () => {
      const user = await storage.users.create({ localpart: 'locky' });
      assert.ok(user.ok);
      const locked = await storage.users.setLocked(user.value.id, true);
      assert.deepEqual(locked?.lockedAt, clock.now());
      const unlocked = await storage.users.setLocked(user.value.id, false);
      assert.equal(unlocked?.lockedAt, null);
      assert.equal(await storage.users.setLocked('01ZZZZZZZZZZZZZZZZZZZZZZZZ', true), undefined);
    });

    test('users list in localpart order, page by page', async () => {
      for (const localpart of ['zed', 'bob', 'carol']) await storage.users.create({ localpart });
      const first = await storage.users.list({ limit: 2 });
      const rest = await storage.users.list({ after: first.at(-1)!.localpart, limit: 100 });
      const all = [...first, ...rest].map((u) => u.localpart);
      assert.deepEqual(all, [...all].sort());
      assert.ok(all.includes('zed') && all.includes('bob'));
      assert.equal(await storage.users.count(), all.length);
    });

    test('the newest password is the active one', async () => {
      const user = await storage.users.create({ localpart: 'pw' });
      assert.ok(user.ok);
      assert.equal(await storage.passwords.active(user.value.id), undefined);
      const first = await storage.passwords.add({ userId: user.value.id, hashedPassword: 'h1', version: 1 });
      const second = await storage.passwords.add({
        userId: user.value.id,
        hashedPassword: 'h2',
        version: 2,
        upgradedFromId: first.id,
      });
      assert.deepEqual(await storage.passwords.active(user.value.id), second);
    });

    test('an email address belongs to one account, whatever its case', async () => {
      const a = await storage.users.create({ localpart: 'mail-a' });
      const b = await storage.users.create({ localpart: 'mail-b' });
      assert.ok(a.ok && b.ok);
      const added = await storage.emails.add({
        userId: a.value.id,
        email: 'Someone@Example.org',
        confirmed: true,
      });
      assert.ok(added.ok);
      assert.deepEqual(added.value.confirmedAt, clock.now());
      assert.deepEqual(
        await storage.emails.add({ userId: b.value.id, email: 'someone@example.org', confirmed: false }),
        {
          ok: false,
          error: 'taken',
        },
      );
      assert.equal((await storage.emails.findByAddress('SOMEONE@example.ORG'))?.userId, a.value.id);
      assert.deepEqual(await storage.emails.listForUsers([a.value.id, b.value.id]), [added.value]);
    });

    test('a transaction that fails leaves nothing behind', async () => {
      await assert.rejects(
        storage.transaction(async (tx) => {
          await tx.users.create({ localpart: 'ghost' });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await storage.users.findByLocalpart('ghost'), undefined);
    });
  });
}
