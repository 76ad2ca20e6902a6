import type { Job, NewJob } from '../domain/job.js';
import { MAIL_QUEUE, type MessageRequest, type Messenger, SMS_QUEUE } from '../services/messages.js';
import type { SecretBox } from '../services/secret-box.js';
import type { Repositories } from '../storage/repositories.js';
import type { JobWorker } from './worker.js';

/** A message job's payload: the request sealed, because it holds codes and links. */
interface SealedPayload {
  sealed: string;
}

/**
 * The request a message job carries, or undefined when it was sealed with another key, altered, or is
 * not a message at all. Standalone so the delivering side needs the key, not the worker.
 */
export function openMessageJob(box: SecretBox, job: Pick<Job, 'payload'>): MessageRequest | undefined {
  const sealed = (job.payload as Partial<SealedPayload> | null)?.sealed;
  const plain = typeof sealed === 'string' ? box.open(sealed) : undefined;
  if (plain === undefined) return undefined;
  try {
    const request = JSON.parse(plain) as Partial<MessageRequest> | null;
    if (
      typeof request?.to !== 'string' ||
      typeof request.language !== 'string' ||
      typeof request.message?.kind !== 'string'
    )
      return undefined;
    return request as MessageRequest;
  } catch {
    return undefined;
  }
}

/** The outbox side of mail and texts: jobs written in the caller's transaction, delivered by the worker. */
export class MessageOutbox implements Messenger {
  constructor(
    private readonly worker: JobWorker,
    private readonly box: SecretBox,
  ) {}

  async email(tx: Repositories, request: MessageRequest): Promise<void> {
    await tx.jobs.enqueue(this.#job(MAIL_QUEUE, request));
  }

  async sms(tx: Repositories, request: MessageRequest): Promise<void> {
    await tx.jobs.enqueue(this.#job(SMS_QUEUE, request));
  }

  wake(): void {
    this.worker.wake();
  }

  /** The request a message job carries, or undefined when it was sealed with another key or altered. */
  open(job: Job): MessageRequest | undefined {
    return openMessageJob(this.box, job);
  }

  #job(queue: string, request: MessageRequest): NewJob {
    const payload: SealedPayload = { sealed: this.box.seal(JSON.stringify(request)) };
    // Each message stands alone: no ordering key, so one undeliverable address holds up nobody else.
    return { queue, kind: request.message.kind, payload };
  }
}
