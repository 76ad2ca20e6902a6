import assert from 'node:assert/strict';
import { MAIL_QUEUE, type MessageRequest, SMS_QUEUE } from '../../src/services/messages.js';
import type { RunningMxauth } from './oauth-server.js';

/**
 * Every mail (and text) mxauth handed to the outbox for `to`, oldest first, opened as the delivery worker
 * opens it: what the person would read in their inbox or on their phone.
 */
export async function messagesTo(
  running: RunningMxauth,
  to: string,
  queues: readonly string[] = [MAIL_QUEUE, SMS_QUEUE],
): Promise<MessageRequest[]> {
  const { storage, messages } = running.mxauth.services;
  const jobs = await storage.jobs.list({ states: ['pending', 'running', 'done', 'failed'], limit: 10_000 });
  return jobs
    .filter((job) => queues.includes(job.queue))
    .map((job) => messages.open(job))
    .filter((request): request is MessageRequest => request !== undefined && request.to === to);
}

/** Mails only. */
export const mailsTo = (running: RunningMxauth, to: string): Promise<MessageRequest[]> =>
  messagesTo(running, to, [MAIL_QUEUE]);

/** The last verification code sent to `to` (an address or a number). */
export async function lastCode(running: RunningMxauth, to: string): Promise<string> {
  const codes = (await messagesTo(running, to)).flatMap((m) =>
    m.message.kind === 'verification_code' ? [m.message.code] : [],
  );
  assert.ok(codes.length > 0, `no code was sent to ${to}`);
  return codes.at(-1)!;
}
