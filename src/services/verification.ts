import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VerificationCode, VerificationPurpose } from '../domain/account.js';
import type { Clock } from '../domain/clock.js';
import type { Rng } from '../domain/random.js';
import { randomString } from '../domain/random.js';
import { err, ok, type Result } from '../domain/result.js';
import type { Storage } from '../storage/storage.js';
import type { Messenger } from './messages.js';

export interface VerificationOptions {
  clock: Clock;
  rng: Rng;
  /** Keys the codes' hashes, so the table alone does not let anyone try the million codes offline. */
  key: Buffer;
  /** How long a code is valid. */
  ttlMs?: number;
  /** Wrong guesses before a code is dead. */
  maxAttempts?: number;
  /** Codes sent to one address or number per hour. */
  maxSendsPerHour?: number;
}

export type SendProblem = { kind: 'throttled' };
export type CheckProblem =
  | { kind: 'wrong_code'; attemptsLeft: number }
  | { kind: 'expired' }
  | { kind: 'too_many_attempts' };

/**
 * Six-digit codes that prove someone reads an address or a phone: sent through the outbox, stored as
 * an HMAC, valid for a while, single-use, and dead after a few wrong guesses.
 */
export class VerificationService {
  readonly #ttlMs: number;
  readonly #maxAttempts: number;
  readonly #maxSends: number;

  constructor(
    private readonly storage: Storage,
    private readonly messenger: Messenger,
    private readonly options: VerificationOptions,
  ) {
    this.#ttlMs = options.ttlMs ?? 15 * 60_000;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#maxSends = options.maxSendsPerHour ?? 5;
  }

  get maxAttempts(): number {
    return this.#maxAttempts;
  }

  /** Sends a new code to `target` (an email address, or an E.164 number with `channel: 'sms'`). */
  async send(input: {
    purpose: VerificationPurpose;
    channel: 'email' | 'sms';
    target: string;
    userId: string | null;
    context: string | null;
    language: string;
  }): Promise<Result<VerificationCode, SendProblem>> {
    const now = this.options.clock.now();
    const hourAgo = new Date(now.getTime() - 3_600_000);
    if ((await this.storage.verificationCodes.countSentTo(input.target, hourAgo)) >= this.#maxSends)
      return err({ kind: 'throttled' });
    const code = randomString(this.options.rng, 6, '0123456789');
    const created = await this.storage.transaction(async (tx) => {
      const row = await tx.verificationCodes.create({
        purpose: input.purpose,
        userId: input.userId,
        context: input.context,
        target: input.target,
        codeHash: this.#hash(input.purpose, input.target, code),
        expiresAt: new Date(now.getTime() + this.#ttlMs),
      });
      const request = {
        to: input.target,
        language: input.language,
        message: {
          kind: 'verification_code',
          purpose: input.purpose,
          code,
          expiresInMinutes: Math.round(this.#ttlMs / 60_000),
        } as const,
      };
      if (input.channel === 'sms') await this.messenger.sms(tx, request);
      else await this.messenger.email(tx, request);
      return row;
    });
    this.messenger.wake();
    return ok(created);
  }

  /**
   * Checks a code typed for verification `id`. The code must belong to the same purpose, user and
   * context; anything else looks like a wrong code. A right code is used up.
   */
  async check(input: {
    id: string;
    code: string;
    purpose: VerificationPurpose;
    userId: string | null;
    context: string | null;
  }): Promise<Result<VerificationCode, CheckProblem>> {
    const found = await this.storage.verificationCodes.find(input.id);
    if (
      !found ||
      found.purpose !== input.purpose ||
      found.userId !== input.userId ||
      found.context !== input.context
    )
      return err({ kind: 'expired' });
    if (found.consumedAt || found.expiresAt.getTime() <= this.options.clock.now().getTime())
      return err({ kind: 'expired' });
    if (found.attempts >= this.#maxAttempts) return err({ kind: 'too_many_attempts' });
    // Every try is counted before the code is compared, right ones included: counting only wrong ones
    // afterwards would let many guesses sent at once all be compared before any of them was counted.
    const attempt = await this.storage.verificationCodes.recordAttempt(found.id);
    if (attempt > this.#maxAttempts) return err({ kind: 'too_many_attempts' });
    const typed = input.code.replace(/\s+/g, '');
    const expected = Buffer.from(found.codeHash);
    const given = Buffer.from(this.#hash(found.purpose, found.target, typed));
    if (!/^\d{6}$/.test(typed) || !timingSafeEqual(expected, given)) {
      if (attempt >= this.#maxAttempts) return err({ kind: 'too_many_attempts' });
      return err({ kind: 'wrong_code', attemptsLeft: this.#maxAttempts - attempt });
    }
    if (!(await this.storage.verificationCodes.consume(found.id))) return err({ kind: 'expired' });
    return ok(found);
  }

  #hash(purpose: string, target: string, code: string): string {
    return createHmac('sha256', this.options.key)
      .update(`${purpose}\n${target}\n${code}`)
      .digest('base64url');
  }
}
