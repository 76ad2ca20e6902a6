import type { VerificationCode } from '../../domain/account.js';
import type { PhoneProblem } from '../../domain/phone-number.js';
import { err, type Result } from '../../domain/result.js';
import type { User } from '../../domain/user.js';
import { RateLimiter } from '../rate-limit.js';
import type { CheckProblem } from '../verification.js';
import type { AccountSettingsDependencies, AccountSettingsOptions } from './deps.js';

export type StartVerificationProblem =
  | { kind: 'invalid_email'; reason: string }
  | { kind: 'invalid_phone'; problem: PhoneProblem }
  /** Some account (this one included) already has it. */
  | { kind: 'taken' }
  /** Too many codes sent lately, to this target or by this account (then for how long, in ms). */
  | { kind: 'throttled'; retryAfterMs?: number };

export type FinishVerificationProblem =
  | CheckProblem
  | { kind: 'rate_limited'; retryAfterMs: number }
  /** Another account verified the same address or number meanwhile. */
  | { kind: 'taken' };

export type ContactPurpose = 'add_email' | 'add_phone';

/** The codes that prove a new address or number is the user's: sent, typed in, sent again. */
export class ContactCodes {
  readonly #sends: RateLimiter;
  readonly #checks: RateLimiter;

  constructor(
    private readonly deps: Pick<AccountSettingsDependencies, 'storage' | 'verification' | 'clock'>,
    limits: AccountSettingsOptions['codeLimits'],
  ) {
    // Per account whatever the targets, so the pages cannot be used to flood strangers' inboxes or
    // phones; checks beyond each code's own limit of wrong guesses.
    this.#sends = new RateLimiter(limits.sendsPerAccount, deps.clock);
    this.#checks = new RateLimiter(limits.checksPerAccount, deps.clock);
  }

  async send(
    user: User,
    purpose: ContactPurpose,
    target: string,
    language: string,
  ): Promise<Result<VerificationCode, StartVerificationProblem>> {
    const taken = this.#sends.take(user.id);
    if (!taken.ok) return err({ kind: 'throttled', retryAfterMs: taken.retryAfterMs });
    const sent = await this.deps.verification.send({
      purpose,
      channel: purpose === 'add_phone' ? 'sms' : 'email',
      target,
      userId: user.id,
      context: null,
      language,
    });
    return sent.ok ? sent : err({ kind: 'throttled' });
  }

  async check(
    user: User,
    purpose: ContactPurpose,
    id: string,
    code: string,
  ): Promise<Result<VerificationCode, FinishVerificationProblem>> {
    const taken = this.#checks.take(user.id);
    if (!taken.ok) return err({ kind: 'rate_limited', retryAfterMs: taken.retryAfterMs });
    return this.deps.verification.check({ id, code, purpose, userId: user.id, context: null });
  }

  /**
   * A code sent to this user (undefined for anyone else's, or an unknown id), and whether it can still
   * be typed in: unused, unexpired, and with guesses left.
   */
  async pending(user: User, id: string): Promise<{ code: VerificationCode; live: boolean } | undefined> {
    const code = await this.deps.storage.verificationCodes.find(id);
    if (!code || code.userId !== user.id) return undefined;
    const live =
      !code.consumedAt &&
      code.expiresAt.getTime() > this.deps.clock.now().getTime() &&
      code.attempts < this.deps.verification.maxAttempts;
    return { code, live };
  }

  /** Sends a fresh code to the target of a pending one (the first never arrived, or was mistyped). */
  async resend(
    user: User,
    purpose: ContactPurpose,
    id: string,
    language: string,
  ): Promise<Result<VerificationCode, { kind: 'not_found' } | { kind: 'throttled'; retryAfterMs?: number }>> {
    const code = await this.deps.storage.verificationCodes.find(id);
    if (!code || code.userId !== user.id || code.purpose !== purpose || code.consumedAt)
      return err({ kind: 'not_found' });
    const sent = await this.send(user, purpose, code.target, language);
    if (sent.ok) return sent;
    return err(sent.error.kind === 'throttled' ? sent.error : { kind: 'throttled' });
  }
}
