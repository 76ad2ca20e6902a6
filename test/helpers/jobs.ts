import type { Job, JobState } from '../../src/domain/job.js';
import type { Mxauth } from '../../src/server.js';
import { eventually } from './eventually.js';

const EVERY_STATE: JobState[] = ['pending', 'running', 'done', 'failed'];

/**
 * The jobs of `kind` whose payload has the given fields, oldest first, in every state: what the outbox
 * owes (or owed) the outside world, for a test that asserts what will happen instead of waiting to see.
 */
export async function jobsOf(
  mxauth: Mxauth,
  kind: string,
  payload: Record<string, unknown> = {},
): Promise<Job[]> {
  const jobs = await mxauth.services.storage.jobs.list({ states: EVERY_STATE, limit: 10_000 });
  return jobs.filter(
    (job) =>
      job.kind === kind &&
      Object.entries(payload).every(
        ([key, value]) => (job.payload as Record<string, unknown>)[key] === value,
      ),
  );
}

/** `job` was tried, failed, and waits to be tried again after `now`: nothing happens until the clock moves. */
export function waitsForRetry(job: Job | undefined, now: Date): boolean {
  return (
    job !== undefined &&
    job.state === 'pending' &&
    job.attempts > 0 &&
    job.lastError !== null &&
    job.runAt.getTime() > now.getTime()
  );
}

/**
 * Resolves once the worker has done all it can at `now()`: no job is running, and every pending job is
 * either due later or queued behind an earlier pending job of its ordering key (which is due later).
 */
export async function settled(mxauth: Mxauth, now: () => Date): Promise<void> {
  await eventually('no job is due or running', async () => {
    const open = await mxauth.services.storage.jobs.list({ states: ['pending', 'running'], limit: 10_000 });
    const heads = new Set<string>();
    return open.every((job) => {
      if (job.state === 'running') return false;
      if (job.orderingKey !== null) {
        // Listed by id, that is in creation order: only the first open job of a key can be claimed.
        if (heads.has(job.orderingKey)) return true;
        heads.add(job.orderingKey);
      }
      return job.runAt.getTime() > now().getTime();
    });
  });
}

/**
 * Lets a job that fails `failures` times in a row be retried: each time, waits until the worker has tried
 * it and set it to wait (`find` gives its current row), then moves the clock past the wait.
 */
export async function retryThrough(
  running: { clock: { now(): Date }; advance(ms: number): Promise<void> },
  failures: number,
  find: () => Promise<Job | undefined>,
  pastRetryMs: number,
): Promise<void> {
  for (let attempt = 1; attempt <= failures; attempt++) {
    await eventually(`try ${attempt} failed and waits for a retry`, async () => {
      const job = await find();
      return waitsForRetry(job, running.clock.now()) && job!.attempts === attempt;
    });
    await running.advance(pastRetryMs);
  }
}
