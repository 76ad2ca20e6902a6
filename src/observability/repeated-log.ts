import { systemClock } from '../domain/clock.js';
import type { Logger } from './logger.js';

export interface RepeatedLogOptions {
  /** How long after a line its repeats are only counted (default one minute). */
  intervalMs?: number;
  /** The clock, in milliseconds (tests give their own). */
  now?: () => number;
  /** How many distinct keys are tracked; the oldest is forgotten past this (default 100). */
  maxKeys?: number;
}

/**
 * Log lines for conditions that repeat on every request until an operator acts (a refused secret, a
 * database that is down): the first occurrence of a key is logged at once, later ones only counted, and
 * the count is logged with the next occurrence after `intervalMs` (`repeated`: how many were not logged
 * in between). One line a minute says as much as ten thousand and does not drown the rest of the log.
 */
export class RepeatedLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #maxKeys: number;
  /** Per key: when it was last logged, and how many occurrences since were not. */
  readonly #seen = new Map<string, { loggedAt: number; suppressed: number }>();

  constructor(logger: Logger, options: RepeatedLogOptions = {}) {
    this.#logger = logger;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#now = options.now ?? (() => systemClock.now().getTime());
    this.#maxKeys = options.maxKeys ?? 100;
  }

  /** Logs `message` for `key` unless it was logged less than the interval ago; true when it was logged. */
  log(level: 'warn' | 'error', key: string, fields: Record<string, unknown>, message: string): boolean {
    const now = this.#now();
    const seen = this.#seen.get(key);
    if (seen && now - seen.loggedAt < this.#intervalMs) {
      seen.suppressed++;
      return false;
    }
    const repeated = seen?.suppressed ?? 0;
    this.#seen.delete(key);
    this.#seen.set(key, { loggedAt: now, suppressed: 0 });
    // Map order is insertion order: the first key is the one logged longest ago.
    if (this.#seen.size > this.#maxKeys) this.#seen.delete(this.#seen.keys().next().value!);
    this.#logger[level](repeated > 0 ? { ...fields, repeated } : fields, message);
    return true;
  }

  /**
   * The condition of `key` is over (the database answers again): forgets it, logging at info how many
   * occurrences were not logged since the last line, so the count is never lost.
   */
  resolved(key: string, message: string): void {
    const seen = this.#seen.get(key);
    if (!seen) return;
    this.#seen.delete(key);
    this.#logger.info(seen.suppressed > 0 ? { repeated: seen.suppressed } : {}, message);
  }
}
