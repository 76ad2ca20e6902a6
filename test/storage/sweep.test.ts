import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import { sweepExpired } from '../../src/jobs/sweep.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

const HOUR = 3_600_000;

for (const kind of DATABASE_KINDS) {
  describe(`sweeping codes and recovery links [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    const clock = new ManualClock();

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, clock, cryptoRng);
    });
    after(() => database.close());

    test('codes and recovery links go a day after they expired, not before', async () => {
      const user = await storage.users.create({ localpart: 'sweep' });
      assert.ok(user.ok);
      const expiresAt = new Date(clock.now().getTime() + HOUR);
      await storage.verificationCodes.create({
        purpose: 'add_email',
        userId: user.value.id,
        context: null,
        target: 'sweep@example.org',
        codeHash: 'h',
        expiresAt,
      });
      await storage.recoveryTickets.create({
        userId: user.value.id,
        email: 'sweep@example.org',
        tokenHash: 'sweep-ticket',
        expiresAt,
      });
      clock.advance(2 * HOUR);
      assert.equal(await sweepExpired(storage), 0, 'expired an hour ago: kept for now');
      assert.equal(await storage.verificationCodes.countSentTo('sweep@example.org', new Date(0)), 1);
      clock.advance(24 * HOUR);
      assert.equal(await sweepExpired(storage), 2);
      assert.equal(await storage.verificationCodes.countSentTo('sweep@example.org', new Date(0)), 0);
    });
  });
}
