import type { Clock } from '../domain/clock.js';
import { type Job, retryDelayMs } from '../domain/job.js';
import { type Rng, randomFraction } from '../domain/random.js';
import type { Logger } from '../observability/logger.js';
import { RepeatedLog } from '../observability/repeated-log.js';
import type { Storage } from '../storage/storage.js';

/**
 * What became of one delivery: done (for a recurring job, with when it is next due), tried again later
 * (with backoff), or failed until an operator retries it. `untouched` says the receiver certainly did not act on it (it refused the call), so a caller
 * abandoning the job has nothing to undo; without it a failed call may still have taken effect (a
 * timeout, a 5xx).
 */
export type JobOutcome =
  | { kind: 'done'; next?: Date }
  | { kind: 'retry'; error: string; untouched?: boolean }
  | { kind: 'fail'; error: string; untouched?: boolean };

const UNREACHABLE = 'jobs unreadable';

export type JobHandler = (job: Job) => Promise<JobOutcome>;

export interface JobWorkerOptions {
  /** How often to look for due jobs when idle. */
  pollMs?: number;
  /** How long a claimed job is ours; a worker that dies mid-job loses it to another after this. */
  leaseMs?: number;
  /** The longest wait between two tries of a job. */
  backoffCapMs?: number;
  batch?: number;
  /** Told of every delivery attempt (metrics). */
  onOutcome?: (job: Job, outcome: JobOutcome) => void;
}

/**
 * Delivers outbox jobs. Several workers (processes, instances) may run on one database: claiming is
 * atomic (`FOR UPDATE SKIP LOCKED` on PostgreSQL, one writer on SQLite), so each job is delivered by one
 * of them, and jobs sharing an ordering key are delivered one at a time, in order.
 */
export class JobWorker {
  readonly #pollMs: number;
  readonly #leaseMs: number;
  readonly #backoffCapMs: number;
  readonly #batch: number;
  readonly #onOutcome: JobWorkerOptions['onOutcome'];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #again = false;
  /** "Cannot read jobs" repeats at every poll while the database is away: logged once a minute. */
  readonly #unreachable: RepeatedLog;

  constructor(
    private readonly storage: Storage,
    private readonly handlers: Record<string, JobHandler>,
    private readonly deps: { logger: Logger; clock: Clock; rng: Rng },
    options: JobWorkerOptions = {},
  ) {
    this.#pollMs = options.pollMs ?? 1000;
    // Longer than the slowest single call (50 s for a legacy deactivation), so a lease never runs out
    // while its one job is being delivered.
    this.#leaseMs = options.leaseMs ?? 120_000;
    this.#backoffCapMs = options.backoffCapMs ?? 5 * 60_000;
    // One job per claim: a lease then covers only the job in hand, never ones waiting behind a slow call.
    this.#batch = options.batch ?? 1;
    this.#onOutcome = options.onOutcome;
    this.#unreachable = new RepeatedLog(deps.logger, { now: () => deps.clock.now().getTime() });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.wake();
  }

  /** Looks for due jobs now (e.g. right after this process wrote some). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        this.wake();
      } else this.#timer = setTimeout(() => this.wake(), this.#pollMs);
    });
  }

  /**
   * Delivers every job due now and resolves once none is left, whether or not the worker is started: for
   * a test that has moved its clock, which then need not wait for a poll.
   */
  async runDue(): Promise<void> {
    await this.#running;
    await this.#drain();
  }

  /** Stops polling and waits for the jobs in hand. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /**
   * Delivers the due jobs of one ordering key now, in order, up to and including `job`; true when `job`
   * is done. For a caller that must not go on before the homeserver knows (a device about to get tokens).
   * One try each: on failure the jobs stay, with backoff, for the worker (or for the caller to cancel);
   * `untouched` when `job` certainly had no effect (refused, or never tried behind an earlier job).
   */
  async deliverNow(
    job: Job,
  ): Promise<{ delivered: true } | { delivered: false; error: string; untouched: boolean }> {
    // Up to about ten seconds when another worker holds an earlier job of this key.
    for (let round = 0; round < 200; round++) {
      const claimed = await this.storage.jobs.claim({
        queue: job.queue,
        limit: 10,
        leaseMs: this.#leaseMs,
        orderingKey: job.orderingKey ?? undefined,
      });
      for (const next of claimed) {
        const outcome = await this.#deliver(next);
        if (outcome.kind !== 'done') {
          // Release what was claimed after it, for the worker, in order.
          for (const rest of claimed.slice(claimed.indexOf(next) + 1))
            await this.storage.jobs.retryLater(rest.id, this.deps.clock.now(), 'waiting for an earlier job');
          return {
            delivered: false,
            error: outcome.error,
            untouched: next.id !== job.id || outcome.untouched === true,
          };
        }
        if (next.id === job.id) return { delivered: true };
      }
      const current = await this.storage.jobs.find(job.id);
      if (!current || current.state === 'done') return { delivered: true };
      if (current.state === 'failed')
        return { delivered: false, error: current.lastError ?? 'failed', untouched: false };
      // Another worker holds an earlier job of this key: give it a moment.
      if (claimed.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { delivered: false, error: 'the homeserver did not answer in time', untouched: false };
  }

  async #drain(): Promise<void> {
    try {
      for (const queue of Object.keys(this.handlers)) {
        for (;;) {
          const claimed = await this.storage.jobs.claim({
            queue,
            limit: this.#batch,
            leaseMs: this.#leaseMs,
          });
          for (const job of claimed) await this.#deliver(job);
          if (claimed.length < this.#batch || this.#stopped) break;
        }
      }
      this.#unreachable.resolved(UNREACHABLE, 'outbox: reading jobs again');
    } catch (error) {
      // The database is away: try again at the next poll; the jobs are safe where they are. The message
      // is enough (the stack is the driver's, the same every time).
      this.#unreachable.log(
        'warn',
        UNREACHABLE,
        { error: (error as Error).message ?? String(error) },
        'outbox: cannot read jobs; will try again at every poll',
      );
    }
  }

  async #deliver(job: Job): Promise<JobOutcome> {
    const handler = this.handlers[job.queue];
    let outcome: JobOutcome;
    try {
      outcome = handler ? await handler(job) : { kind: 'fail', error: `no handler for queue ${job.queue}` };
    } catch (error) {
      outcome = { kind: 'retry', error: (error as Error).message ?? String(error) };
    }
    this.#onOutcome?.(job, outcome);
    const log = { job: job.id, queue: job.queue, kind: job.kind, attempt: job.attempts };
    if (outcome.kind === 'done' && outcome.next) {
      await this.storage.jobs.reschedule(job.id, outcome.next);
      this.deps.logger.debug({ ...log, next: outcome.next }, 'jobs: done, scheduled again');
    } else if (outcome.kind === 'done') {
      await this.storage.jobs.complete(job.id);
      this.deps.logger.debug(log, 'outbox: delivered');
    } else if (outcome.kind === 'retry') {
      const delay = retryDelayMs(job.attempts, this.#backoffCapMs, randomFraction(this.deps.rng));
      await this.storage.jobs.retryLater(
        job.id,
        new Date(this.deps.clock.now().getTime() + delay),
        outcome.error,
      );
      this.deps.logger.warn(
        { ...log, error: outcome.error, retry_in_ms: delay },
        'outbox: delivery failed, will retry',
      );
    } else {
      await this.storage.jobs.fail(job.id, outcome.error);
      this.deps.logger.error(
        { ...log, error: outcome.error },
        'outbox: delivery failed for good; retry with `mxauth manage jobs retry`',
      );
    }
    return outcome;
  }
}
