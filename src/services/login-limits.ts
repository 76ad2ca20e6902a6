import type { Clock } from '../domain/clock.js';
import { addressBucket, type RateLimit, RateLimiter } from './rate-limit.js';

/** The answer to "may this password be checked now?". */
export type LoginAttempt =
  | {
      ok: true;
      /** The password was right: the attempt is given back, so only wrong passwords use up the limits. */
      succeeded(): void;
    }
  | {
      ok: false;
      retryAfterMs: number;
      /** Which limit refused: the client address, or the account (in a browser not known to it). */
      by: 'address' | 'account';
    };

/**
 * The limits every password check goes through (the login page, the compatibility login API, the
 * account page's re-authentication): one per client address, one per account. Only wrong passwords
 * count, so the owner signing in does not use up what a guesser left; and a browser that signed in to
 * the account before (see web/known-browser.ts) has a per-account budget of its own, so guesses from
 * elsewhere cannot lock the owner out of the browsers they use. Its per-address limit still applies.
 */
export class LoginLimits {
  readonly #perIp: RateLimiter;
  readonly #perAccount: RateLimiter;

  constructor(limits: { perIp: RateLimit; perAccount: RateLimit }, clock: Clock) {
    this.#perIp = new RateLimiter(limits.perIp, clock);
    this.#perAccount = new RateLimiter(limits.perAccount, clock);
  }

  /**
   * Reserves one attempt before the password is checked (reserving, not asking, so that concurrent
   * guesses cannot all pass before the first one fails). `account` is the localpart, or what was typed
   * when it names no account; `knownBrowser` the id of a browser known to that account.
   */
  attempt(input: {
    address: string | undefined;
    account: string;
    knownBrowser?: string | undefined;
  }): LoginAttempt {
    const addressKey = addressBucket(input.address);
    // A newline is in no localpart or typed name (control characters are refused at the edge).
    const accountKey =
      input.knownBrowser === undefined ? input.account : `${input.account}\n${input.knownBrowser}`;
    const byAddress = this.#perIp.take(addressKey);
    if (!byAddress.ok) return { ok: false, retryAfterMs: byAddress.retryAfterMs, by: 'address' };
    const byAccount = this.#perAccount.take(accountKey);
    if (!byAccount.ok) {
      // No password was checked: the address has not used an attempt.
      this.#perIp.refund(addressKey);
      return { ok: false, retryAfterMs: byAccount.retryAfterMs, by: 'account' };
    }
    return {
      ok: true,
      succeeded: () => {
        this.#perIp.refund(addressKey);
        this.#perAccount.refund(accountKey);
      },
    };
  }

  /** An attempt that names no account (a login token): the per-address limit alone. */
  addressAttempt(address: string | undefined): LoginAttempt {
    const addressKey = addressBucket(address);
    const byAddress = this.#perIp.take(addressKey);
    if (!byAddress.ok) return { ok: false, retryAfterMs: byAddress.retryAfterMs, by: 'address' };
    return { ok: true, succeeded: () => this.#perIp.refund(addressKey) };
  }
}
