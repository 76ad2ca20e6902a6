import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { retryDelayMs } from '../../src/domain/job.js';
import { cryptoRng } from '../../src/domain/random.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

for (const kind of DATABASE_KINDS) {
  describe(`job outbox [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    const clock = new ManualClock();
    const claim = (limit = 10) => storage.jobs.claim({ queue: 'hs', limit, leaseMs: 60_000 });

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, clock, cryptoRng);
    });
    beforeEach(() => database.db.deleteFrom('jobs').execute());
    after(() => database.close());

    test('jobs of one key run one at a time, in order; other keys are not held up', async () => {
      const a1 = await storage.jobs.enqueue({
        queue: 'hs',
        kind: 'provision',
        payload: { n: 1 },
        orderingKey: 'alice',
      });
      const a2 = await storage.jobs.enqueue({
        queue: 'hs',
        kind: 'device',
        payload: { n: 2 },
        orderingKey: 'alice',
      });
      const b1 = await storage.jobs.enqueue({
        queue: 'hs',
        kind: 'provision',
        payload: { n: 3 },
        orderingKey: 'bob',
      });
      await storage.jobs.enqueue({ queue: 'mail', kind: 'send', payload: {} });

      const first = await claim();
      assert.deepEqual(
        first.map((j) => j.id),
        [a1.id, b1.id],
      );
      assert.deepEqual(first[0]!.payload, { n: 1 });
      assert.equal(first[0]!.attempts, 1);
      assert.equal(first[0]!.state, 'running');
      assert.deepEqual(await claim(), [], 'a2 waits for a1; nothing else is due');

      await storage.jobs.complete(a1.id);
      assert.deepEqual(
        (await claim()).map((j) => j.id),
        [a2.id],
      );
    });

    test('a job due later is not claimed early', async () => {
      await storage.jobs.enqueue({
        queue: 'hs',
        kind: 'x',
        payload: {},
        runAt: new Date(clock.now().getTime() + 5000),
      });
      assert.deepEqual(await claim(), []);
      clock.advance(5000);
      assert.equal((await claim()).length, 1);
    });

    test('a retried job waits for its time; a failed one is set aside for an operator, and its key moves on', async () => {
      const job = await storage.jobs.enqueue({ queue: 'hs', kind: 'x', payload: {}, orderingKey: 'k' });
      const next = await storage.jobs.enqueue({ queue: 'hs', kind: 'y', payload: {}, orderingKey: 'k' });
      await claim();
      await storage.jobs.retryLater(job.id, new Date(clock.now().getTime() + 1000), 'homeserver down');
      assert.deepEqual(await claim(), []);
      clock.advance(1000);
      const [again] = await claim();
      assert.equal(again?.id, job.id);
      assert.equal(again?.attempts, 2);
      assert.equal(again?.lastError, 'homeserver down');

      await storage.jobs.fail(job.id, '400 rejected');
      assert.deepEqual(
        (await storage.jobs.list({ states: ['failed'], limit: 10 })).map((j) => j.id),
        [job.id],
      );
      assert.deepEqual(await storage.jobs.countByState(), { pending: 1, running: 0, done: 0, failed: 1 });
      assert.deepEqual(
        (await claim()).map((j) => j.id),
        [next.id],
        'a job that failed for good does not hold up the rest of its key',
      );
      assert.equal(await storage.jobs.retry(next.id), false, 'only failed jobs can be retried');
      await storage.jobs.complete(next.id);

      assert.equal(await storage.jobs.retry(job.id), true);
      assert.deepEqual(
        (await claim()).map((j) => j.id),
        [job.id],
      );
    });

    test("a dead worker's job is taken over when its lease runs out", async () => {
      const job = await storage.jobs.enqueue({ queue: 'hs', kind: 'x', payload: {} });
      await claim();
      clock.advance(59_000);
      assert.deepEqual(await claim(), []);
      clock.advance(2_000);
      const [taken] = await claim();
      assert.equal(taken?.id, job.id);
      assert.equal(taken?.attempts, 2);
    });

    test('concurrent claims never hand out the same job twice', async () => {
      for (let i = 0; i < 40; i++) await storage.jobs.enqueue({ queue: 'hs', kind: 'x', payload: { i } });
      const batches = await Promise.all(Array.from({ length: 8 }, () => claim(7)));
      const ids = batches.flat().map((j) => j.id);
      assert.equal(new Set(ids).size, ids.length);
      assert.equal(ids.length, 40);
    });
  });
}

test('retry delays grow exponentially up to the cap, with bounded jitter', () => {
  assert.equal(retryDelayMs(1, 60_000, 0.5), 1000);
  assert.equal(retryDelayMs(4, 60_000, 0.5), 8000);
  assert.equal(retryDelayMs(30, 60_000, 0.5), 60_000);
  assert.equal(retryDelayMs(30, 60_000, 0), 48_000);
  assert.ok(retryDelayMs(30, 60_000, 0.999) <= 72_000);
});
