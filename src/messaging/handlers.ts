import type { Config } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import type { JobHandler } from '../services/job-worker.js';
import { openMessageJob } from '../services/message-outbox.js';
import { MAIL_QUEUE, SMS_QUEUE } from '../services/messages.js';
import type { SecretBox } from '../services/secret-box.js';
import { lookOf } from '../web/branding.js';
import { createMailTransport } from './mail-transport.js';
import { brandFromConfig } from './render.js';
import { mailJobRunner, smsJobRunner } from './runners.js';
import { createSmsSender } from './sms-senders.js';

/** The outbox handlers of the mail and text queues, as the configuration says to deliver them. */
export function messageJobHandlers(
  config: Config,
  deps: { box: SecretBox; clock: Clock; logger: Logger; fetch?: typeof fetch },
): Record<string, JobHandler> {
  const runner = {
    open: (job: Parameters<typeof openMessageJob>[1]) => openMessageJob(deps.box, job),
    brand: brandFromConfig(config),
    // The pages' catalogs, with the admin's strings and languages from templates.path: a mail reads
    // like the page that sent it. Read when the first message is rendered, not when a CLI command starts.
    translate: (language: string) => lookOf(config).catalogs.translator(undefined, language),
    clock: deps.clock,
  };
  return {
    [MAIL_QUEUE]: mailJobRunner({
      ...runner,
      transport: createMailTransport(config.email, { logger: deps.logger }),
    }),
    [SMS_QUEUE]: smsJobRunner({ ...runner, sender: createSmsSender(config.sms, { fetch: deps.fetch }) }),
  };
}
