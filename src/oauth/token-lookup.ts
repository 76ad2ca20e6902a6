import type { Clock } from '../domain/clock.js';
import { isCompatToken } from '../domain/compat-token.js';
import { DEVICE_PREFIX, SCOPE_API, SCOPE_SYNAPSE_ADMIN } from '../domain/matrix-scopes.js';
import { userStatus } from '../domain/user.js';
import type { TokenLookupCounts } from '../observability/metrics.js';
import { outsideRequest, type RequestStats } from '../observability/request-context.js';
import type { LiveCompatToken, LiveToken, TokenOwner } from '../storage/repositories.js';
import type { Storage } from '../storage/storage.js';
import { sha256 } from './adapter.js';
import type { TokenCache, TokenMemo } from './token-cache.js';

export interface TokenPayload {
  exp?: number;
  iat?: number;
  accountId?: string;
  clientId?: string;
  grantId?: string;
  scope?: string;
  aud?: string | string[];
  /** Admin granted by the operator (a compat token issued with --admin), whatever can_request_admin says. */
  operatorAdmin?: boolean;
}

/** Where the engine keeps tokens: user access tokens, refresh tokens, and client-credentials tokens. */
export type TokenModel = 'AccessToken' | 'RefreshToken' | 'ClientCredentials';

export interface ActiveToken {
  model: TokenModel;
  payload: TokenPayload;
  /** The owner; absent for client-credentials tokens. */
  user: TokenOwner | undefined;
  now: number;
  /** Where to keep what is derived from this token while it stays cached; absent when not cached. */
  memo: TokenMemo | undefined;
}

export type LookupCallback = (error: unknown, found: ActiveToken | undefined) => void;
type FoundCallback = (error: unknown, found: LiveToken | undefined, memo: TokenMemo | undefined) => void;

/** Above this many hashes a batch is split, so one query's parameter list stays small. */
const MAX_BATCH = 256;
/** Batch queries running at once; lookups arriving meanwhile wait for the next batch, which grows. */
const MAX_IN_FLIGHT = 2;

/**
 * Finds live tokens by value: stored (by hash), not consumed, not expired, owned by an active account.
 * Revocation deletes the records; with a cache, the database announces each change (see TokenCache), so
 * a revoked token or a locked account's token is not found from the next lookup on, on every instance.
 *
 * Lookups that arrive together are answered together: every request that reaches the event loop in the
 * same turn joins one batch, handled when the turn ends (while fewer than MAX_IN_FLIGHT batches are
 * running). The batch checks the cache once for changes made elsewhere, answers what the cache holds,
 * and finds the rest with one query. Under load (a homeserver introspecting for many devices at once)
 * this turns dozens of queries into one; a lone request waits for nothing. SQLite's batch is a
 * synchronous read.
 *
 * `lookup` calls back rather than returning a promise, for the introspection fast path (see FastPath).
 */
export class TokenLookup {
  #pending = new Map<Source, Map<string, Waiter[]>>();
  #scheduled = false;
  #inFlight = 0;
  #fromCache = 0;
  #fromDatabase = 0;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly cache?: TokenCache,
  ) {}

  /** Lookups so far by what answered them (a token looked for under several models counts for each). */
  counts(): TokenLookupCounts {
    return { cache: this.#fromCache, database: this.#fromDatabase, cacheEntries: this.cache?.size ?? 0 };
  }

  /** The first of `models` that holds a live token with this value. */
  find(token: string, models: readonly TokenModel[]): Promise<ActiveToken | undefined> {
    return new Promise((resolve, reject) =>
      this.lookup(token, models, undefined, (error, found) => (error ? reject(error) : resolve(found))),
    );
  }

  /** `find` with a callback; `stats` collects the database time. */
  lookup(
    token: string,
    models: readonly TokenModel[],
    stats: RequestStats | undefined,
    done: LookupCallback,
  ): void {
    const hash = sha256(token);
    // Tokens of the compatibility login API have their own table and a format to check first.
    if (token.startsWith('mct_')) {
      if (!models.includes('AccessToken') || !isCompatToken(token, 'access')) {
        done(undefined, undefined);
        return;
      }
      this.#enqueue(COMPAT, hash, {
        stats,
        done: (error, found, memo) =>
          error ? done(error, undefined) : done(undefined, found && this.#check('AccessToken', found, memo)),
      });
      return;
    }
    const next = (i: number) => {
      const model = models[i];
      if (model === undefined) return done(undefined, undefined);
      this.#enqueue(model, hash, {
        stats,
        done: (error, found, memo) => {
          if (error) return done(error, undefined);
          if (!found) return next(i + 1);
          done(undefined, this.#check(model, found, memo));
        },
      });
    };
    next(0);
  }

  #check(
    model: TokenModel,
    { payload: stored, consumedAt, owner }: LiveToken,
    memo: TokenMemo | undefined,
  ): ActiveToken | undefined {
    // A row whose payload is not an object (damaged by hand) is no live token.
    if (typeof stored !== 'object' || stored === null) return undefined;
    const payload = stored as TokenPayload;
    const now = Math.floor(this.clock.now().getTime() / 1000);
    if (consumedAt !== null || (payload.exp !== undefined && payload.exp <= now)) return undefined;
    if (!payload.accountId) return { model, payload, user: undefined, now, memo };
    if (!owner || userStatus(owner) !== 'active') return undefined;
    return { model, payload, user: owner, now, memo };
  }

  #enqueue(model: Source, hash: string, waiter: Waiter): void {
    let byHash = this.#pending.get(model);
    if (!byHash) {
      byHash = new Map();
      this.#pending.set(model, byHash);
    }
    const waiters = byHash.get(hash);
    if (waiters) waiters.push(waiter);
    else byHash.set(hash, [waiter]);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= MAX_IN_FLIGHT || this.#pending.size === 0) return;
    this.#scheduled = true;
    // Not inside the first request's context: the batch's time is given to each waiter below.
    outsideRequest(() => setImmediate(() => this.#flush()));
  }

  #flush(): void {
    this.#scheduled = false;
    // A new Map, not clear(): V8 keeps a cleared Map's old table pointing to its new one, and once the
    // long-lived Map's table has reached the old generation, that chain kept every later batch (requests,
    // responses, rows) alive through young-generation collections until a full one: ~3 MB promoted per
    // scavenge and pauses of 10-60 ms, against ~3 KB and ~1 ms this way.
    const pending = this.#pending;
    this.#pending = new Map();
    const cache = this.cache?.usable() ? this.cache : undefined;
    const now = cache && this.clock.now().getTime();
    for (const [model, byHash] of pending) {
      let hashes: string[];
      if (cache) {
        hashes = [];
        for (const [hash, waiters] of byHash) {
          const hit = cache.get(model, hash, now!);
          if (hit) {
            this.#fromCache += waiters.length;
            answer(waiters, undefined, hit.token, hit);
          } else hashes.push(hash);
        }
      } else hashes = [...byHash.keys()];
      for (let i = 0; i < hashes.length; i += MAX_BATCH)
        this.#query(model, hashes.slice(i, i + MAX_BATCH), byHash);
    }
  }

  #query(model: Source, hashes: string[], byHash: Map<string, Waiter[]>): void {
    const started = performance.now();
    const start = this.cache?.begin();
    this.#inFlight++;
    const query: (done: (error: unknown, found: Map<string, LiveToken> | undefined) => void) => void =
      model === COMPAT
        ? (done) =>
            this.storage.compatTokens.findLiveAccessTokens(hashes, (error, found) =>
              done(error, found && new Map([...found].map(([h, t]) => [h, compatAsLive(t)]))),
            )
        : (done) => this.storage.oauthRecords.findLiveTokens(model, hashes, done);
    let settled = false;
    // Runs in a database driver's callback or the batch's own turn: nothing thrown may escape (it would
    // end the process), every waiter hears once, and the batch slot is always given back.
    const settle = (error: unknown, found: Map<string, LiveToken> | undefined) => {
      if (settled) return;
      settled = true;
      this.#inFlight--;
      const ms = performance.now() - started;
      const now = this.clock.now().getTime();
      for (const hash of hashes) {
        const waiters = byHash.get(hash)!;
        const token = found?.get(hash);
        let memo: TokenMemo | undefined;
        try {
          if (token && start !== undefined) memo = this.cache!.set(model, hash, token, start, now);
        } catch {
          // Not cached, then; the answer itself is still right.
        }
        for (const waiter of waiters)
          if (waiter.stats && !error) {
            waiter.stats.dbMs += ms;
            waiter.stats.dbQueries += 1;
          }
        this.#fromDatabase += waiters.length;
        answer(waiters, error, token, memo);
      }
      if (start !== undefined) this.cache!.end(start);
      this.#schedule();
    };
    try {
      query(settle);
    } catch (error) {
      settle(error, undefined);
    }
  }
}

const COMPAT = 'CompatAccessToken';
type Source = TokenModel | typeof COMPAT;

/** A compat session's token, in the shape of an engine token: full API access, its device, admin if issued so. */
function compatAsLive({ session, expiresAt, owner }: LiveCompatToken): LiveToken {
  const scope = `${SCOPE_API.stable} ${DEVICE_PREFIX.stable}${session.deviceId}${session.isAdmin ? ` ${SCOPE_SYNAPSE_ADMIN}` : ''}`;
  return {
    payload: {
      accountId: session.userId,
      scope,
      iat: Math.floor(session.createdAt.getTime() / 1000),
      ...(expiresAt !== null ? { exp: Math.floor(expiresAt / 1000) } : {}),
      operatorAdmin: session.isAdmin,
    } satisfies TokenPayload,
    consumedAt: null,
    owner,
  };
}

/** Calls every waiter once; one waiter's failure is its own request's, the others still hear. */
function answer(
  waiters: Waiter[],
  error: unknown,
  token: LiveToken | undefined,
  memo: TokenMemo | undefined,
): void {
  for (const waiter of waiters) {
    try {
      waiter.done(error, token, memo);
    } catch {
      // Nothing to do: the waiter's request answers its own failure.
    }
  }
}

interface Waiter {
  stats: RequestStats | undefined;
  /** Must not throw: it runs inside the batch's loop. */
  done: FoundCallback;
}
