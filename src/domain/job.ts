/**
 * A unit of work for the outbox: written in the same transaction as the change that causes it, delivered
 * later by a worker, so a homeserver or mail server that is down loses nothing.
 */
export type JobState = 'pending' | 'running' | 'done' | 'failed';

export interface Job {
  id: string;
  queue: string;
  kind: string;
  payload: unknown;
  /** Jobs sharing a key run one at a time, in creation order (e.g. all homeserver calls about one user). */
  orderingKey: string | null;
  state: JobState;
  attempts: number;
  runAt: Date;
  lockedUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface NewJob {
  queue: string;
  kind: string;
  payload: unknown;
  orderingKey?: string | null;
  runAt?: Date;
}

/** Exponential backoff for retry number `attempt` (1-based): 1 s, 2 s, 4 s … capped, with ±20 % jitter from `jitter` in [0, 1). */
export function retryDelayMs(attempt: number, capMs: number, jitter: number): number {
  const base = Math.min(capMs, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * jitter));
}

/**
 * Work that comes back every `everyMs` (the expiry sweep). Its one row in the jobs table, under a fixed
 * id, is its next occurrence: claimed as every job is, so of several instances on one database one runs
 * each occurrence, and set pending again for the next when it is done.
 */
export interface RecurringJob {
  queue: string;
  kind: string;
  everyMs: number;
}

/** Begins the id of every recurring job's row, and of no other (theirs are ULIDs). */
export const RECURRING_JOB_ID_PREFIX = 'recurring:';

/** Fixed, so every instance names the same row and scheduling it twice finds the first. */
export function recurringJobId(job: Pick<RecurringJob, 'queue' | 'kind'>): string {
  return `${RECURRING_JOB_ID_PREFIX}${job.queue}:${job.kind}`;
}
