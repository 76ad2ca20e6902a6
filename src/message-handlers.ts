import type { Config } from './config/config.js';
import type { Clock } from './domain/clock.js';
import { openMessageJob } from './jobs/messages.js';
import type { JobHandler } from './jobs/worker.js';
import { createMailTransport } from './messaging/mail-transport.js';
import { mailJobRunner, smsJobRunner } from './messaging/runners.js';
import { createSmsSender } from './messaging/sms-senders.js';
import type { Logger } from './observability/logger.js';
import type { MessageRequest } from './services/messages.js';
import type { SecretBox } from './services/secret-box.js';
import { lookOf } from './web/branding.js';
import { brandFromConfig, renderMail, renderSms } from './web/mail-render.js';

/**
 * The outbox handlers of the mail and text queues, as the configuration says to deliver them: the
 * transports of src/messaging/ with the mail templates of the pages (src/web/mail-render.ts). Wiring only,
 * at the top, so the delivery layer never imports the presentation layer.
 */
export function messageJobHandlers(
  config: Config,
  deps: { box: SecretBox; clock: Clock; logger: Logger; fetch?: typeof fetch },
): { mail: JobHandler; sms: JobHandler } {
  const brand = brandFromConfig(config);
  // The pages' catalogs, with the admin's strings and languages from templates.path: a mail reads
  // like the page that sent it. Read when the first message is rendered, not when a CLI command starts.
  const translate = (language: string) => lookOf(config).catalogs.translator(undefined, language);
  const runner = {
    open: (job: Parameters<typeof openMessageJob>[1]) => openMessageJob(deps.box, job),
    render: {
      mail: (request: MessageRequest) => renderMail(brand, request, translate),
      text: (request: MessageRequest) => renderSms(brand, request, translate),
    },
    clock: deps.clock,
  };
  return {
    mail: mailJobRunner({
      ...runner,
      transport: createMailTransport(config.email, { logger: deps.logger }),
    }),
    sms: smsJobRunner({ ...runner, sender: createSmsSender(config.sms, { fetch: deps.fetch }) }),
  };
}
