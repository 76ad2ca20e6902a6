import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import type { User } from '../../src/domain/user.js';
import { Outbox } from '../../src/jobs/outbox.js';
import { JobWorker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/observability/logger.js';
import { CompatSessionService } from '../../src/services/compat-sessions.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

for (const kind of DATABASE_KINDS) {
  describe(`compat refresh-token rotation [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    let compat: CompatSessionService;
    let user: User;
    const clock = new ManualClock();

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, clock, cryptoRng);
      const worker = new JobWorker(storage, {}, { logger: createLogger('silent'), clock, rng: cryptoRng });
      compat = new CompatSessionService(storage, new Outbox(worker, false), {
        rng: cryptoRng,
        clock,
        accessTokenTtlSeconds: 300,
      });
      const created = await storage.users.create({ localpart: 'rita' });
      assert.ok(created.ok);
      user = created.value;
    });
    after(() => database.close());

    const login = async () => {
      const granted = await compat.login({
        user,
        refresh: true,
        origin: 'password',
        ip: null,
        userAgent: null,
      });
      assert.ok(granted.ok);
      return granted.value;
    };
    const live = async (accessToken: string) => (await compat.sessionOf(accessToken)) !== undefined;

    test('a replaced pair presented later is a replay: the session ends (no takeover with an old token)', async () => {
      const first = await login();
      const lost = await compat.refresh(first.refreshToken!, null);
      assert.ok(lost.ok);
      // Someone holding the old token retries within the window: they get a pair, the lost one dies…
      const retry = await compat.refresh(first.refreshToken!, null);
      assert.ok(retry.ok);
      assert.equal(await live(lost.value.accessToken), false);
      // …and when the client that did receive the "lost" pair uses it, the session ends for everyone.
      const replay = await compat.refresh(lost.value.refreshToken!, null);
      assert.equal(!replay.ok && replay.error.kind, 'unknown_token');
      assert.equal(await live(retry.value.accessToken), false, 'the session ended');
    });

    test('a retry after the window is a replay', async () => {
      const first = await login();
      const next = await compat.refresh(first.refreshToken!, null);
      assert.ok(next.ok);
      clock.advance(61_000);
      const late = await compat.refresh(first.refreshToken!, null);
      assert.equal(!late.ok && late.error.kind, 'unknown_token');
      assert.equal(await live(next.value.accessToken), false, 'the session ended');
    });

    test('concurrent refreshes of the old and the new token never leave two live chains', async () => {
      for (let round = 0; round < 10; round++) {
        const first = await login();
        const second = await compat.refresh(first.refreshToken!, null);
        assert.ok(second.ok);
        const results = await Promise.all([
          compat.refresh(second.value.refreshToken!, null),
          compat.refresh(first.refreshToken!, null),
        ]);
        const winners = results.filter((r) => r.ok).map((r) => (r.ok ? r.value : undefined)!);
        let alive = 0;
        for (const w of winners) {
          const again = await compat.refresh(w.refreshToken!, null);
          if (again.ok) alive++;
        }
        assert.ok(alive <= 1, `round ${round}: ${alive} chains still refresh`);
      }
    });
  });
}
