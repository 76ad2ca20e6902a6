import type { Clock } from '../domain/clock.js';

export interface RateLimit {
  /** Attempts allowed at once. */
  burst: number;
  /** Attempts regained per second. */
  perSecond: number;
}

/**
 * Token buckets in process memory, one per key (an IP address, an account). `take` spends one token or
 * says how long to wait. Buckets that have refilled are forgotten, so memory stays bounded by activity.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: Clock,
  ) {}

  /** `{ ok: true }`, or the milliseconds to wait before the next attempt can succeed. */
  take(key: string): { ok: true } | { ok: false; retryAfterMs: number } {
    const now = this.clock.now().getTime();
    const bucket = this.#buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    const tokens = Math.min(
      this.limit.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond,
    );
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / this.limit.perSecond) * 1000) };
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.#buckets.size > 10_000) this.#sweep(now);
    return { ok: true };
  }

  /**
   * Gives back one token `take` spent, for an attempt that turned out not to count (a right password:
   * only failures are limited). Taking first and giving back after keeps concurrent attempts within the
   * budget, which checking first and charging after would not.
   */
  refund(key: string): void {
    const bucket = this.#buckets.get(key);
    if (!bucket) return;
    const now = this.clock.now().getTime();
    const tokens = bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond + 1;
    if (tokens >= this.limit.burst) this.#buckets.delete(key);
    else this.#buckets.set(key, { tokens, at: now });
  }

  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond >= this.limit.burst)
        this.#buckets.delete(key);
    }
  }
}

/**
 * The key a client address is limited under: IPv4 addresses as they are, IPv6 addresses by their /64,
 * since one host typically holds a whole /64 and could otherwise try from endless addresses.
 */
export function addressBucket(address: string | undefined): string {
  if (!address) return 'unknown';
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
