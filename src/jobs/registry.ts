import type { HomeserverConnector } from '../homeserver/connector.js';
import { MAIL_QUEUE, SMS_QUEUE } from '../services/messages.js';
import type { Repositories } from '../storage/repositories.js';
import { HOMESERVER_QUEUE, homeserverJobRunner } from './homeserver.js';
import type { JobHandler } from './worker.js';

/**
 * Every queue the worker delivers, in the order it drains them. A new kind of job gets its file in
 * src/jobs/ and a row here; the worker itself knows nothing of kinds.
 */
export const JOB_QUEUES = [HOMESERVER_QUEUE, MAIL_QUEUE, SMS_QUEUE] as const;
export type JobQueue = (typeof JOB_QUEUES)[number];

/** What delivers each queue; a queue without a handler fails to compile. */
export function jobHandlers(deps: {
  homeserver: HomeserverConnector;
  storage: Repositories;
  /** Mail and texts, wired with the page templates at the top (src/message-handlers.ts). */
  messages: { mail: JobHandler; sms: JobHandler };
}): Record<JobQueue, JobHandler> {
  return {
    [HOMESERVER_QUEUE]: homeserverJobRunner(deps.homeserver, deps.storage),
    [MAIL_QUEUE]: deps.messages.mail,
    [SMS_QUEUE]: deps.messages.sms,
  };
}
