import type { Clock } from '../domain/clock.js';
import { type RecurringJob, recurringJobId } from '../domain/job.js';
import type { HomeserverConnector } from '../homeserver/connector.js';
import type { Logger } from '../observability/logger.js';
import { MAIL_QUEUE, SMS_QUEUE } from '../services/messages.js';
import type { JobRepository } from '../storage/repositories.js';
import type { Storage } from '../storage/storage.js';
import { HOMESERVER_QUEUE, homeserverJobRunner } from './homeserver.js';
import { EXPIRY_SWEEP, expirySweepHandler, MAINTENANCE_QUEUE } from './sweep.js';
import type { JobHandler } from './worker.js';

/**
 * Every queue the worker delivers, in the order it drains them. A new kind of job gets its file in
 * src/jobs/ and a row here; the worker itself knows nothing of kinds.
 */
export const JOB_QUEUES = [HOMESERVER_QUEUE, MAIL_QUEUE, SMS_QUEUE, MAINTENANCE_QUEUE] as const;
export type JobQueue = (typeof JOB_QUEUES)[number];

/** Work that comes back on its own; its handler returns when it is next due. */
export const RECURRING_JOBS: readonly RecurringJob[] = [EXPIRY_SWEEP];

/** What delivers each queue; a queue without a handler fails to compile. */
export function jobHandlers(deps: {
  homeserver: HomeserverConnector;
  storage: Storage;
  logger: Logger;
  clock: Clock;
  /** Mail and texts, wired with the page templates at the top (src/message-handlers.ts). */
  messages: { mail: JobHandler; sms: JobHandler };
  /** Run after each expiry sweep: ends the device sessions whose last tokens it deleted. */
  afterSweep: () => Promise<number>;
}): Record<JobQueue, JobHandler> {
  return {
    [HOMESERVER_QUEUE]: homeserverJobRunner(deps.homeserver, deps.storage),
    [MAIL_QUEUE]: deps.messages.mail,
    [SMS_QUEUE]: deps.messages.sms,
    [MAINTENANCE_QUEUE]: expirySweepHandler(deps),
  };
}

/**
 * Gives every recurring job its row, first due one interval from now, unless it has one: run by each
 * instance as it starts, so the first to start schedules it and the others find it.
 */
export async function scheduleRecurringJobs(jobs: JobRepository, clock: Clock): Promise<void> {
  for (const job of RECURRING_JOBS)
    await jobs.schedule({
      id: recurringJobId(job),
      queue: job.queue,
      kind: job.kind,
      runAt: new Date(clock.now().getTime() + job.everyMs),
    });
}
