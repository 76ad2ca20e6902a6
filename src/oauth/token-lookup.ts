import type { Clock } from '../domain/clock.js';
import { type User, userStatus } from '../domain/user.js';
import type { Storage } from '../storage/storage.js';
import { sha256 } from './adapter.js';
import type { IntrospectionCache } from './introspection-cache.js';

export interface TokenPayload {
  exp?: number;
  iat?: number;
  accountId?: string;
  clientId?: string;
  grantId?: string;
  scope?: string;
  aud?: string | string[];
}

/** Where the engine keeps tokens: user access tokens, refresh tokens, and client-credentials tokens. */
export type TokenModel = 'AccessToken' | 'RefreshToken' | 'ClientCredentials';

export interface ActiveToken {
  model: TokenModel;
  payload: TokenPayload;
  /** The owner; absent for client-credentials tokens. */
  user: User | undefined;
  now: number;
}

/**
 * Finds a live token by value: stored (by hash), not consumed, not expired, owned by an active account.
 * Revocation deletes the records, so a revoked token is simply not found.
 */
export async function findActiveToken(
  storage: Storage,
  clock: Clock,
  token: string,
  models: readonly TokenModel[],
  cache?: IntrospectionCache,
): Promise<ActiveToken | undefined> {
  const hash = sha256(token);
  const nowMs = clock.now().getTime();
  const cached = cache?.get(hash, nowMs);
  if (cached && models.includes(cached.model)) return { ...cached, now: Math.floor(nowMs / 1000) };
  const found = await lookup(storage, clock, hash, models);
  if (found && cache) cache.set(hash, found, nowMs);
  return found;
}

async function lookup(
  storage: Storage,
  clock: Clock,
  hash: string,
  models: readonly TokenModel[],
): Promise<ActiveToken | undefined> {
  for (const model of models) {
    const found = await storage.oauthRecords.findWithOwner(model, hash);
    if (!found) continue;
    const { record, owner } = found;
    const payload = record.payload as TokenPayload;
    const now = Math.floor(clock.now().getTime() / 1000);
    if (record.consumedAt !== null || (payload.exp !== undefined && payload.exp <= now)) return undefined;
    if (!payload.accountId) return { model, payload, user: undefined, now };
    if (!owner || userStatus(owner) !== 'active') return undefined;
    return { model, payload, user: owner, now };
  }
  return undefined;
}
