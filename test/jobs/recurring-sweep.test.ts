import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, mock, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { recurringJobId } from '../../src/domain/job.js';
import { cryptoRng } from '../../src/domain/random.js';
import { scheduleRecurringJobs } from '../../src/jobs/registry.js';
import { EXPIRY_SWEEP, expirySweepHandler, MAINTENANCE_QUEUE } from '../../src/jobs/sweep.js';
import { type JobHandler, JobWorker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/observability/logger.js';
import { type Database, openDatabase } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';
import { startMxauth } from '../helpers/oauth-server.js';

const SWEEP_ID = recurringJobId(EXPIRY_SWEEP);
const HOUR = 3_600_000;
const logger = createLogger('silent');

for (const kind of DATABASE_KINDS) {
  describe(`the recurring expiry sweep [${kind}]`, () => {
    let database: Database & { uri: string };
    let storage: Storage;
    const clock = new ManualClock();
    let afterSweeps = 0;
    const sweep = () => expirySweepHandler({ storage, logger, clock, afterSweep: async () => ++afterSweeps });
    const workerWith = (store: Storage, handler: JobHandler) =>
      new JobWorker(store, { [MAINTENANCE_QUEUE]: handler }, { logger, clock, rng: cryptoRng });
    const maintenanceRows = () =>
      database.db.selectFrom('jobs').selectAll().where('queue', '=', MAINTENANCE_QUEUE).execute();

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, clock, cryptoRng);
    });
    beforeEach(async () => {
      await database.db.deleteFrom('jobs').execute();
      afterSweeps = 0;
    });
    after(() => database.close());

    test('runs when due, not before, and is scheduled again one interval on', async () => {
      const user = await storage.users.create({ localpart: `sweep-${clock.now().getTime()}` });
      assert.ok(user.ok);
      await storage.verificationCodes.create({
        purpose: 'add_email',
        userId: user.value.id,
        context: null,
        target: 'recurring@example.org',
        codeHash: 'h',
        expiresAt: new Date(clock.now().getTime() - 25 * HOUR),
      });
      await scheduleRecurringJobs(storage.jobs, clock);
      const scheduled = await storage.jobs.find(SWEEP_ID);
      assert.equal(scheduled?.state, 'pending');
      assert.equal(scheduled?.runAt.getTime(), clock.now().getTime() + EXPIRY_SWEEP.everyMs);

      const worker = workerWith(storage, sweep());
      await worker.runDue();
      assert.equal(afterSweeps, 0, 'not due yet');
      assert.equal(await storage.verificationCodes.countSentTo('recurring@example.org', new Date(0)), 1);

      clock.advance(EXPIRY_SWEEP.everyMs);
      await worker.runDue();
      assert.equal(afterSweeps, 1);
      assert.equal(await storage.verificationCodes.countSentTo('recurring@example.org', new Date(0)), 0);
      const next = await storage.jobs.find(SWEEP_ID);
      assert.equal(next?.state, 'pending');
      assert.equal(next?.attempts, 0);
      assert.equal(next?.runAt.getTime(), clock.now().getTime() + EXPIRY_SWEEP.everyMs);
      assert.equal((await maintenanceRows()).length, 1, 'the same row, not one per occurrence');
      assert.equal((await storage.jobs.countByState()).pending, 0, 'not counted as an outbox backlog');

      clock.advance(EXPIRY_SWEEP.everyMs);
      await worker.runDue();
      assert.equal(afterSweeps, 2, 'and again an interval later');
    });

    test('a failing sweep waits for its next occurrence', async () => {
      await scheduleRecurringJobs(storage.jobs, clock);
      const failing = expirySweepHandler({
        storage,
        logger,
        clock,
        afterSweep: async () => {
          throw new Error('database away');
        },
      });
      clock.advance(EXPIRY_SWEEP.everyMs);
      await workerWith(storage, failing).runDue();
      const next = await storage.jobs.find(SWEEP_ID);
      assert.equal(next?.state, 'pending');
      assert.equal(next?.runAt.getTime(), clock.now().getTime() + EXPIRY_SWEEP.everyMs);
    });

    test('scheduling on every start keeps one row and its due time; a failed one comes back', async () => {
      await Promise.all([
        scheduleRecurringJobs(storage.jobs, clock),
        scheduleRecurringJobs(storage.jobs, clock),
      ]);
      const first = await storage.jobs.find(SWEEP_ID);
      clock.advance(60_000);
      await scheduleRecurringJobs(storage.jobs, clock);
      assert.equal((await maintenanceRows()).length, 1);
      assert.equal((await storage.jobs.find(SWEEP_ID))?.runAt.getTime(), first?.runAt.getTime());

      await storage.jobs.fail(SWEEP_ID, 'an operator gave up on it');
      await scheduleRecurringJobs(storage.jobs, clock);
      const revived = await storage.jobs.find(SWEEP_ID);
      assert.equal(revived?.state, 'pending');
      assert.equal(revived?.runAt.getTime(), clock.now().getTime() + EXPIRY_SWEEP.everyMs);
    });

    test('two instances on one database run each occurrence once', async () => {
      const opened = await openDatabase(database.uri);
      if (!opened.ok) throw new Error(opened.error);
      const other = createStorage(opened.value, clock, cryptoRng);
      try {
        await Promise.all([
          scheduleRecurringJobs(storage.jobs, clock),
          scheduleRecurringJobs(other.jobs, clock),
        ]);
        assert.equal((await maintenanceRows()).length, 1);

        let runs = 0;
        let entered!: () => void;
        const inside = new Promise<void>((resolve) => {
          entered = resolve;
        });
        let release!: () => void;
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const real = sweep();
        const held: JobHandler = async (job) => {
          runs++;
          entered();
          await gate;
          return real(job);
        };
        const one = workerWith(storage, held);
        const two = workerWith(other, held);

        clock.advance(EXPIRY_SWEEP.everyMs);
        const first = one.runDue();
        await inside;
        // The occurrence is claimed and being run by the first instance: the second finds nothing due.
        await two.runDue();
        assert.equal(runs, 1);
        assert.equal((await storage.jobs.find(SWEEP_ID))?.state, 'running');
        release();
        await first;
        assert.equal(afterSweeps, 1);

        clock.advance(EXPIRY_SWEEP.everyMs);
        await Promise.all([one.runDue(), two.runDue()]);
        assert.equal(runs, 2, 'both racing for the next occurrence: one of them runs it');
        const rows = await maintenanceRows();
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.state, 'pending');
        assert.equal(Number(rows[0]?.run_at), clock.now().getTime() + EXPIRY_SWEEP.everyMs);
      } finally {
        await opened.value.close();
      }
    });
  });
}

describe('shutting down', () => {
  // Every timer src/jobs/ or src/server.ts arms, unref'd ones too, which the event loop would not report.
  const live = new Set<unknown>();
  beforeEach(() => {
    live.clear();
    const realSetTimeout = globalThis.setTimeout;
    const realSetInterval = globalThis.setInterval;
    const realClearTimeout = globalThis.clearTimeout;
    const realClearInterval = globalThis.clearInterval;
    const ours = () => /\/src\/(jobs\/|server\.ts)/.test(new Error().stack ?? '');
    mock.method(globalThis, 'setTimeout', (fn: () => void, ms?: number) => {
      const track = ours();
      const timer = realSetTimeout(() => {
        live.delete(timer);
        fn();
      }, ms);
      if (track) live.add(timer);
      return timer;
    });
    mock.method(globalThis, 'setInterval', (fn: () => void, ms?: number) => {
      const timer = realSetInterval(fn, ms);
      if (ours()) live.add(timer);
      return timer;
    });
    mock.method(globalThis, 'clearTimeout', (timer?: NodeJS.Timeout) => {
      live.delete(timer);
      realClearTimeout(timer);
    });
    mock.method(globalThis, 'clearInterval', (timer?: NodeJS.Timeout) => {
      live.delete(timer);
      realClearInterval(timer);
    });
  });
  afterEach(() => mock.restoreAll());

  test('a stopped worker leaves no poll armed', async (t) => {
    const database = await openMigrated('sqlite');
    t.after(() => database.close());
    const clock = new ManualClock();
    const storage = createStorage(database, clock, cryptoRng);
    // A poll an hour away cannot fire during the test, so the timer it arms is certainly live.
    const worker = new JobWorker(storage, {}, { logger, clock, rng: cryptoRng }, { pollMs: HOUR });
    worker.start();
    await worker.runDue();
    assert.equal(live.size, 1, 'the worker polls while it runs');
    await worker.stop();
    assert.equal(live.size, 0);
  });

  test('a started server, closed, leaves no timer of the jobs running', async () => {
    const clock = new ManualClock();
    const server = await startMxauth('sqlite', {}, { mxauth: { clock } });
    const storage = server.mxauth.services.storage;
    assert.equal((await storage.jobs.find(SWEEP_ID))?.state, 'pending', 'the sweep is scheduled on start');
    clock.advance(EXPIRY_SWEEP.everyMs);
    await server.mxauth.services.worker.runDue();
    assert.equal(
      (await storage.jobs.find(SWEEP_ID))?.runAt.getTime(),
      clock.now().getTime() + EXPIRY_SWEEP.everyMs,
    );
    await server.close();
    assert.equal(live.size, 0);
  });
});
