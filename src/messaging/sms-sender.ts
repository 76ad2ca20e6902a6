import type { Delivery } from './delivery.js';

/** Where texts leave mxauth: `sms.sender`, behind one small interface. */
export interface SmsSender {
  /** For log lines and `mxauth doctor`: which gateway, never credentials. */
  readonly description: string;
  /** Hands one text over; never throws: a refusal is a value saying whether a later try may succeed. */
  send(to: string, body: string): Promise<Delivery>;
}

/** Statuses worth another try though they are 4xx: the request timed out, or the sender was too fast. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Why a request did not get an answer: the system's reason under fetch's "fetch failed", or the timeout. */
export function networkReason(e: unknown): string {
  const error = e as Error & { cause?: { code?: string; message?: string } };
  if (error.name === 'TimeoutError') return 'no answer in time';
  return error.cause?.code ?? error.cause?.message ?? error.message ?? String(e);
}
