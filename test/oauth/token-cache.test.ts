import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import { sha256 } from '../../src/oauth/adapter.js';
import { TokenCache } from '../../src/oauth/token-cache.js';
import { TokenLookup } from '../../src/oauth/token-lookup.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { type TokenChanges, watchTokenChanges } from '../../src/storage/token-changes.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';
import { openTransaction } from '../helpers/open-transaction.js';

/**
 * The cache against the writes of its own process, with no HTTP in between: a lookup made the moment a
 * write returns must already see it. (Over HTTP, a PostgreSQL notification usually wins the race anyway;
 * here it cannot, so these fail if the writing connection's own notices or the uncommitted-transaction
 * guard stop working.)
 */
for (const kind of DATABASE_KINDS) {
  describe(`token cache against its own writes [${kind}]`, () => {
    let database: Database & { uri: string };
    let storage: Storage;
    let changes: TokenChanges;
    let cache: TokenCache;
    let lookup: TokenLookup;
    let userId: string;
    let n = 0;
    // Starts at the real now: PostgreSQL's listener pings through the real database meanwhile.
    const clock = new ManualClock(Date.now());

    before(async () => {
      // An operator who quietens notices for the role must not turn off the writer's own notices.
      database = await openMigrated(kind, { options: '-c client_min_messages=warning' });
      storage = createStorage(database, clock, cryptoRng);
      changes = await watchTokenChanges(
        database,
        database.uri,
        (error) => {
          throw error;
        },
        { clock },
      );
      cache = new TokenCache(changes, 1000);
      lookup = new TokenLookup(storage, clock, cache);
      const created = await storage.users.create({ localpart: 'kim' });
      assert.ok(created.ok);
      userId = created.value.id;
    });
    after(async () => {
      await changes.close();
      await database.close();
    });

    const newToken = async () => {
      const token = `cache-test-token-${++n}`;
      const exp = Math.floor(clock.now().getTime() / 1000) + 300;
      await storage.oauthRecords.upsert({
        model: 'AccessToken',
        idHash: sha256(token),
        payload: { accountId: userId, clientId: 'c', grantId: `g${n}`, scope: 'openid', exp, iat: exp - 300 },
        grantId: `g${n}`,
        uid: null,
        userCodeHash: null,
        accountId: userId,
        expiresAt: exp * 1000,
        consumedAt: null,
      });
      return token;
    };
    const live = async (token: string) => (await lookup.find(token, ['AccessToken'])) !== undefined;
    const cachedLive = async (token: string) => {
      assert.equal(await live(token), true);
      const sizeBefore = cache.size;
      assert.equal(await live(token), true);
      assert.ok(cache.size >= 1 && cache.size === sizeBefore, 'the second lookup was a cache hit');
    };

    test('a token destroyed by this process is gone from the next lookup', async () => {
      const token = await newToken();
      await cachedLive(token);
      await storage.oauthRecords.destroy('AccessToken', sha256(token));
      assert.equal(await live(token), false);
    });

    test('an owner locked by this process ends the token at the next lookup, and unlocked brings it back', async () => {
      const token = await newToken();
      await cachedLive(token);
      await storage.users.setLocked(userId, true);
      assert.equal(await live(token), false);
      await storage.users.setLocked(userId, false);
      assert.equal(await live(token), true);
    });

    test('a lookup during an open transaction that changes the owner is not kept past the commit', async () => {
      const token = await newToken();
      await cachedLive(token);
      const transaction = await openTransaction(storage, (tx) => tx.users.setLocked(userId, true));
      assert.equal(await live(token), true, 'not committed yet');
      assert.equal(await live(token), true);
      await transaction.commit();
      assert.equal(await live(token), false);
      await storage.users.setLocked(userId, false);
    });

    test('entries end with their token', async () => {
      const token = `cache-test-token-${++n}`;
      const exp = Math.floor(clock.now().getTime() / 1000) + 1;
      await storage.oauthRecords.upsert({
        model: 'AccessToken',
        idHash: sha256(token),
        payload: { accountId: userId, clientId: 'c', grantId: 'short', scope: 'openid', exp, iat: exp - 1 },
        grantId: 'short',
        uid: null,
        userCodeHash: null,
        accountId: userId,
        expiresAt: exp * 1000,
        consumedAt: null,
      });
      await cachedLive(token);
      clock.advance(exp * 1000 - clock.now().getTime());
      assert.equal(await live(token), false, 'not served from memory at its expiry');
    });
  });
}
