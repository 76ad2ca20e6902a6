import type { LiveToken } from '../storage/repositories.js';
import type { TokenChanges } from '../storage/token-changes.js';

/** At most this long in the cache, whatever else happens: a bound on any change gone unheard. */
const MAX_AGE_MS = 5 * 60_000;
/** Accounts changed while lookups run, remembered at most. */
const MAX_TRACKED_CHANGES = 10_000;

/** What consumers derive from a cached token, kept with it (introspection's rendered answer). */
export interface TokenMemo {
  rendered: string | undefined;
  renderedBytes: number;
}

interface Entry extends TokenMemo {
  source: string;
  token: LiveToken;
  account: string;
  /** Epoch ms after which the entry is looked up again. */
  until: number;
}

/**
 * Tokens found live recently, by hash, so that the homeserver asking again about the same token (every
 * Synapse worker asks for itself) costs no query. The database announces every change to a token or its
 * owner (`TokenChanges`): the entries of that account go at once in the process that made the change,
 * and in every other instance when the database's notification arrives. While changes may go unheard
 * (the PostgreSQL listener reconnecting or silent), nothing is served from here.
 *
 * Only what a lookup found is kept; unknown tokens always reach the database.
 */
export class TokenCache {
  #entries = new Map<string, Entry>();
  #byAccount = new Map<string, Set<string>>();
  /**
   * Changes heard so far, numbered, so that a lookup that raced a change does not store what it read
   * before it: the last change of each account (while lookups are running), and the last "anything".
   */
  #seq = 0;
  #clearedAt = 0;
  #changedAt = new Map<string, number>();
  /** Lookups running, by the change number they started at. */
  readonly #running = new Map<number, number>();

  constructor(
    private readonly changes: TokenChanges,
    private readonly maxEntries: number,
  ) {
    changes.onChange((account) => {
      const seq = ++this.#seq;
      // Past MAX_TRACKED_CHANGES (a lookup that never returns would keep every later change in the
      // record), forgetting everything is as safe as forgetting the one account.
      if (account === undefined || this.#changedAt.size >= MAX_TRACKED_CHANGES) this.#forgetAll(seq);
      else {
        if (this.#running.size > 0) this.#changedAt.set(account, seq);
        this.#forgetAccount(account);
      }
    });
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Call before a batch of `get`s: catches up with changes made elsewhere; false when not to be used. */
  usable(): boolean {
    try {
      return this.changes.check();
    } catch {
      // Whether anything changed cannot be told: nothing kept is trusted.
      this.#forgetAll(++this.#seq);
      return false;
    }
  }

  /** Marks the start of a database lookup whose results may be stored; pair with `end`. */
  begin(): number {
    const start = this.#seq;
    this.#running.set(start, (this.#running.get(start) ?? 0) + 1);
    return start;
  }

  end(start: number): void {
    const left = (this.#running.get(start) ?? 1) - 1;
    if (left > 0) this.#running.set(start, left);
    else this.#running.delete(start);
    // Only running lookups need the per-account record; drop what none of them can be older than.
    if (this.#running.size === 0) this.#changedAt = new Map();
    else if (this.#changedAt.size > 1024) {
      const oldest = Math.min(...this.#running.keys());
      for (const [account, seq] of this.#changedAt) if (seq <= oldest) this.#changedAt.delete(account);
    }
  }

  /** The entry (its `token`, and the memo slots) when cached under `source` and not past its time. */
  get(source: string, hash: string, now: number): (TokenMemo & { token: LiveToken }) | undefined {
    const entry = this.#entries.get(hash);
    if (!entry || entry.source !== source) return undefined;
    if (entry.until <= now) {
      this.#delete(hash, entry);
      return undefined;
    }
    return entry;
  }

  /**
   * Keeps what a lookup that began at `start` read, unless a change to its account (or to anything) was
   * heard since, or a transaction of this process has changed the account without committing yet.
   */
  set(source: string, hash: string, token: LiveToken, start: number, now: number): TokenMemo | undefined {
    if (this.maxEntries === 0 || this.#clearedAt > start) return undefined;
    const payload = token.payload as { accountId?: unknown; exp?: unknown } | null;
    if (typeof payload !== 'object' || payload === null) return undefined;
    const account = typeof payload.accountId === 'string' ? payload.accountId : '';
    if ((this.#changedAt.get(account) ?? 0) > start || this.changes.uncommitted(account)) return undefined;
    const expiry = typeof payload.exp === 'number' ? payload.exp * 1000 : Number.POSITIVE_INFINITY;
    const until = Math.min(now + MAX_AGE_MS, expiry);
    if (until <= now) return undefined;
    const previous = this.#entries.get(hash);
    if (previous) this.#delete(hash, previous);
    else if (this.#entries.size >= this.maxEntries) this.#evict(now);
    const entry: Entry = { source, token, account, until, rendered: undefined, renderedBytes: 0 };
    this.#entries.set(hash, entry);
    let hashes = this.#byAccount.get(account);
    if (!hashes) {
      hashes = new Set();
      this.#byAccount.set(account, hashes);
    }
    hashes.add(hash);
    return entry;
  }

  /** Empties the cache; lookups begun before change `seq` store nothing. */
  #forgetAll(seq: number): void {
    this.#clearedAt = seq;
    // New maps rather than clear(): a cleared Map's old table stays reachable from the new one (see
    // TokenLookup#flush), and these are long-lived. Lookups older than `seq` are refused above, so the
    // per-account record goes too.
    this.#entries = new Map();
    this.#byAccount = new Map();
    this.#changedAt = new Map();
  }

  #forgetAccount(account: string): void {
    const hashes = this.#byAccount.get(account);
    if (!hashes) return;
    this.#byAccount.delete(account);
    for (const hash of hashes) this.#entries.delete(hash);
  }

  #delete(hash: string, entry: Entry): void {
    this.#entries.delete(hash);
    const hashes = this.#byAccount.get(entry.account);
    hashes?.delete(hash);
    if (hashes?.size === 0) this.#byAccount.delete(entry.account);
  }

  /** Expired entries first; if still full, the oldest tenth (a Map iterates in insertion order). */
  #evict(now: number): void {
    for (const [hash, entry] of this.#entries) if (entry.until <= now) this.#delete(hash, entry);
    let excess = this.#entries.size - this.maxEntries + Math.ceil(this.maxEntries / 10);
    for (const [hash, entry] of this.#entries) {
      if (excess-- <= 0) break;
      this.#delete(hash, entry);
    }
  }
}
