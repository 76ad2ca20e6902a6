import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import { JobWorker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/observability/logger.js';
import { createStorage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

for (const kind of DATABASE_KINDS) {
  describe(`the job worker while its database is gone [${kind}]`, () => {
    test('says so once a minute with a count and no stack, and says when it reads jobs again', async () => {
      const database = await openMigrated(kind);
      const clock = new ManualClock();
      const lines: Record<string, unknown>[] = [];
      const logger = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
      const storage = createStorage(database, clock, cryptoRng);
      const worker = new JobWorker(
        storage,
        { outbox: async () => ({ kind: 'done' }) },
        { logger, clock, rng: cryptoRng },
      );
      const realClaim = storage.jobs.claim.bind(storage.jobs);
      try {
        // The database goes away: every read of the queue fails, as a refused connection does.
        storage.jobs.claim = async () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        };
        for (let poll = 0; poll < 30; poll++) {
          await worker.runDue();
          clock.advance(1000);
        }
        const outage = lines.filter((l) => String(l.msg).startsWith('outbox: cannot read jobs'));
        assert.equal(outage.length, 1, 'thirty polls in thirty seconds: one line');
        assert.equal(outage[0]!.level, 'warn');
        assert.equal(outage[0]!.error, 'connect ECONNREFUSED 127.0.0.1:5432');
        assert.equal(outage[0]!.err, undefined, 'no stack trace');
        for (let poll = 0; poll < 40; poll++) {
          await worker.runDue();
          clock.advance(1000);
        }
        const later = lines.filter((l) => String(l.msg).startsWith('outbox: cannot read jobs'));
        assert.equal(later.length, 2, 'a minute on, one more line');
        assert.equal(later[1]!.repeated, 59, 'with how many polls failed in between');

        storage.jobs.claim = realClaim;
        await worker.runDue();
        const back = lines.filter((l) => l.msg === 'outbox: reading jobs again');
        assert.equal(back.length, 1);
        assert.equal(back[0]!.repeated, 9, 'the failures after the last line are counted too');
      } finally {
        await worker.stop();
        await database.close();
      }
    });
  });
}
