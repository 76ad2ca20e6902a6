import type { Clock } from '../domain/clock.js';
import type { Job } from '../domain/job.js';
import type { JobHandler, JobOutcome } from '../jobs/worker.js';
import { type MessageRequest, secretsOf } from '../services/messages.js';
import { type Delivery, scrubError } from './delivery.js';
import type { MailTransport, RenderedMail } from './mail-transport.js';
import type { SmsSender } from './sms-sender.js';

export interface RunnerDeps {
  /** Opens a job's sealed request (undefined: another key, or altered). */
  open: (job: Job) => MessageRequest | undefined;
  /** The words of a message, in its language (the presentation layer's mail and text templates). */
  render: { mail(request: MessageRequest): RenderedMail; text(request: MessageRequest): string };
  clock: Clock;
  /**
   * How long a message is retried: its codes and links are long dead by then, and a queue that
   * retries every failure for ever only grows.
   */
  maxAgeMs?: number;
}

const DEFAULT_MAX_AGE_MS = 24 * 3_600_000;

/** Delivers the mail queue: each job's request, rendered in its language, through the transport. */
export function mailJobRunner(deps: RunnerDeps & { transport: MailTransport }): JobHandler {
  return messageRunner(deps, 'mail', (request, job) =>
    deps.transport.send({
      to: request.to,
      kind: job.kind,
      ...deps.render.mail(request),
    }),
  );
}

/** Delivers the text queue through the configured SMS sender. */
export function smsJobRunner(deps: RunnerDeps & { sender: SmsSender }): JobHandler {
  return messageRunner(deps, 'text', (request) => deps.sender.send(request.to, deps.render.text(request)));
}

/*
 * The job outcome the worker acts on (and logs): the error strings never carry the message's code or
 * link, even when a remote server echoed them back, because they end up in log lines and in the jobs
 * table for `mxauth manage jobs`.
 */
function messageRunner(
  deps: RunnerDeps,
  what: 'mail' | 'text',
  deliver: (request: MessageRequest, job: Job) => Promise<Delivery>,
): JobHandler {
  const maxAgeMs = deps.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  return async (job): Promise<JobOutcome> => {
    const request = deps.open(job);
    if (!request)
      return {
        kind: 'fail',
        error: `the ${what} cannot be opened: it was sealed with another secrets.encryption key, or altered`,
      };
    let delivery: Delivery;
    try {
      delivery = await deliver(request, job);
    } catch (e) {
      // Transports return refusals as values; anything thrown is unexpected, and worth another try.
      delivery = { ok: false, permanent: false, error: (e as Error).message ?? String(e) };
    }
    if (delivery.ok) return { kind: 'done' };
    const error = scrubError(delivery.error, secretsOf(request.message));
    if (delivery.permanent) return { kind: 'fail', error };
    // Checked after trying, so a job an operator retries (`mxauth manage jobs --retry`) gets its try.
    if (deps.clock.now().getTime() - job.createdAt.getTime() > maxAgeMs)
      return { kind: 'fail', error: `given up after ${Math.round(maxAgeMs / 3_600_000)} hours: ${error}` };
    return { kind: 'retry', error };
  };
}
