import type { ActiveToken } from './token-lookup.js';

interface Entry {
  token: ActiveToken;
  /** Epoch ms after which the entry must be looked up again. */
  until: number;
}

/**
 * Recently introspected tokens, by hash. A homeserver introspects the same token for every request of a
 * device, so most answers come from memory. Entries live at most `ttlMs` (and never past the token's
 * expiry) and are dropped at once when this process ends the token's grant or changes its owner; changes
 * made by another process are seen within `ttlMs`.
 */
export class IntrospectionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #byGrant = new Map<string, Set<string>>();
  readonly #byUser = new Map<string, Set<string>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(hash: string, now: number): ActiveToken | undefined {
    const entry = this.#entries.get(hash);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.#delete(hash);
      return undefined;
    }
    return entry.token;
  }

  set(hash: string, token: ActiveToken, now: number): void {
    if (this.#entries.size >= this.maxEntries) this.#evict(now);
    const expiry = token.payload.exp !== undefined ? token.payload.exp * 1000 : Number.POSITIVE_INFINITY;
    this.#entries.set(hash, { token, until: Math.min(now + this.ttlMs, expiry) });
    index(this.#byGrant, token.payload.grantId, hash);
    index(this.#byUser, token.user?.id, hash);
  }

  forgetGrant(grantId: string): void {
    for (const hash of this.#byGrant.get(grantId) ?? []) this.#delete(hash);
  }

  forgetUser(userId: string): void {
    for (const hash of this.#byUser.get(userId) ?? []) this.#delete(hash);
  }

  #delete(hash: string): void {
    const entry = this.#entries.get(hash);
    if (!entry) return;
    this.#entries.delete(hash);
    unindex(this.#byGrant, entry.token.payload.grantId, hash);
    unindex(this.#byUser, entry.token.user?.id, hash);
  }

  // Expired entries first; if the cache is still full, the oldest tenth (Map keeps insertion order).
  #evict(now: number): void {
    for (const [hash, entry] of this.#entries) if (entry.until <= now) this.#delete(hash);
    if (this.#entries.size < this.maxEntries) return;
    let n = Math.ceil(this.maxEntries / 10);
    for (const hash of this.#entries.keys()) {
      if (n-- <= 0) break;
      this.#delete(hash);
    }
  }
}

function index(map: Map<string, Set<string>>, key: string | undefined, hash: string): void {
  if (!key) return;
  const set = map.get(key) ?? new Set<string>();
  set.add(hash);
  map.set(key, set);
}

function unindex(map: Map<string, Set<string>>, key: string | undefined, hash: string): void {
  if (!key) return;
  const set = map.get(key);
  set?.delete(hash);
  if (set?.size === 0) map.delete(key);
}
