import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import { sweepExpired } from '../../src/jobs/sweep.js';
import { sha256 } from '../../src/oauth/adapter.js';
import { openDatabase } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { createStorage } from '../../src/storage/storage.js';
import { createTestDatabase, DATABASE_KINDS } from '../helpers/databases.js';

const HOUR = 3_600_000;

/*
 * Migration 0007: clients registered before registered clients expired, that no device session names,
 * get a day from the upgrade and are then swept; one someone signed in with keeps no expiry.
 */
for (const kind of DATABASE_KINDS) {
  describe(`migration 0007: unused clients registered earlier expire [${kind}]`, () => {
    test('unused ones are swept a day after the upgrade; used ones stay', async () => {
      const testDb = await createTestDatabase(kind);
      const opened = await openDatabase(testDb.uri);
      assert.ok(opened.ok);
      const database = opened.value;
      try {
        const all = await migrationProvider.getMigrations();
        const before = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0007'));
        assert.ok((await migrateToLatest(database, { getMigrations: async () => before })).ok);

        const clock = new ManualClock(Date.now());
        const storage = createStorage(database, clock, cryptoRng);
        const client = (id: string) => ({
          model: 'Client',
          idHash: sha256(id),
          payload: { client_id: id, client_name: id },
          grantId: null,
          uid: null,
          userCodeHash: null,
          accountId: null,
          expiresAt: null,
          consumedAt: null,
        });
        await storage.oauthRecords.upsert(client('old-unused'));
        await storage.oauthRecords.upsert(client('old-used'));
        const user = await storage.users.create({ localpart: 'olduser' });
        assert.ok(user.ok);
        // Written as the table stood then: today's repository also writes columns later migrations add.
        await database.db
          .insertInto('oauth_sessions')
          .values({
            id: 'S1',
            user_id: user.value.id,
            client_id: 'old-used',
            grant_id: 'grant-1',
            device_id: 'DEV',
            scope: 'urn:matrix:client:api:*',
            created_at: Date.now(),
            last_active_at: null,
            last_active_ip: null,
            user_agent: null,
            finished_at: null,
            display_name: null,
          } as never)
          .execute();

        assert.ok((await migrateToLatest(database)).ok);
        clock.advance(23 * HOUR);
        await sweepExpired(storage);
        assert.ok(await storage.oauthRecords.find('Client', sha256('old-unused')), 'not yet a day');
        clock.advance(2 * HOUR);
        await sweepExpired(storage);
        assert.equal(await storage.oauthRecords.find('Client', sha256('old-unused')), undefined);
        assert.ok(await storage.oauthRecords.find('Client', sha256('old-used')));
      } finally {
        await database.close();
        await testDb.drop();
      }
    });
  });
}
