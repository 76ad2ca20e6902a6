import type { Clock } from '../domain/clock.js';
import { tokenHash } from '../domain/token-hash.js';
import type { SecretBox } from '../services/secret-box.js';
import type { OAuthRecordRepository } from '../storage/repositories.js';

/** What oidc-provider expects of a storage adapter (its `Adapter` interface). */
export interface ProviderAdapter {
  upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void>;
  find(id: string): Promise<Record<string, unknown> | undefined>;
  findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined>;
  findByUid(uid: string): Promise<Record<string, unknown> | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** Token and code values are stored by this hash only. */
export const sha256 = tokenHash;

// Clients are read on nearly every request and change only when registered; a short in-process cache
// saves a query per request without serving a deleted client for long.
const CLIENT_CACHE_MS = 60_000;

/**
 * A registered client (the engine stores only those: static ones live in the config) is deleted by the
 * sweep when nobody signed in with it within this time; its first session removes the expiry
 * (`tokensIssued` in hooks.ts). The Matrix spec lets servers forget clients never used, and an anonymous
 * registration must not leave a row forever.
 */
export const UNUSED_CLIENT_TTL_MS = 24 * 3_600_000;

// Records the engine also looks up by something other than their id; their id is kept sealed so it can
// be given back (a session found by uid is later destroyed by id).
const SEALED_ID_MODELS = new Set(['Session', 'DeviceCode']);
const SEALED_INTERACTION_FIELDS = ['deviceCode', 'parJti'];
const SEALED = 'sealed:';

/**
 * oidc-provider's storage on mxauth's database. Record ids are token and code values, so they are kept
 * only as SHA-256 hashes, and the copies the engine puts in payloads (`jti`, a device flow's `userCode`)
 * are removed before writing and restored on reading.
 */
export function adapterFactory(
  records: OAuthRecordRepository,
  clock: Clock,
  box: SecretBox,
  /** During a refresh, the refresh token being replaced (read from the engine's request context). */
  rotatedRefreshToken: () => string | undefined = () => undefined,
  refreshes: {
    /** Before a refresh token is read: lets concurrent refreshes of it take turns (refresh-turns.ts). */
    beforeRead(id: string): Promise<void>;
    /** During a refresh, the refresh token being issued (the access token saved with it belongs to it). */
    issuing(): string | undefined;
  } = { beforeRead: async () => {}, issuing: () => undefined },
): new (
  model: string,
) => ProviderAdapter {
  const clientCache = new Map<string, { payload: Record<string, unknown>; until: number }>();

  const restore = (
    record: { payload: Record<string, unknown>; consumedAt: number | null },
    extra: Record<string, unknown>,
  ): Record<string, unknown> => {
    const { _sealedId, _issuedWith, ...payload } = record.payload;
    const jti = extra.jti ?? (typeof _sealedId === 'string' ? box.open(_sealedId) : undefined);
    for (const field of SEALED_INTERACTION_FIELDS) {
      const value = payload[field];
      if (typeof value === 'string' && value.startsWith(SEALED))
        payload[field] = box.open(value.slice(SEALED.length));
    }
    return {
      ...payload,
      ...extra,
      ...(jti !== undefined ? { jti } : {}),
      ...(record.consumedAt !== null ? { consumed: Math.floor(record.consumedAt / 1000) } : {}),
    };
  };

  /**
   * A used refresh token may be presented again while the token that replaced it has never been used:
   * the client did not receive the response (Matrix spec: a lost refresh response can be retried).
   * Any other reuse is treated by the engine as theft and ends the device's session.
   */
  const retriable = async (record: {
    consumedAt: number | null;
    nextIdHash?: string | null;
  }): Promise<boolean> => {
    if (record.consumedAt === null || !record.nextIdHash) return false;
    const successor = await records.find('RefreshToken', record.nextIdHash);
    return successor !== undefined && successor.consumedAt === null;
  };

  return class DatabaseAdapter implements ProviderAdapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      const { jti: _jti, userCode, ...stored } = payload;
      // An access token from a refresh remembers its refresh token: if a retry replaces that answer, both
      // of its tokens stop working (#linkRotation), not only the refresh token.
      const issuing = this.model === 'AccessToken' ? refreshes.issuing() : undefined;
      if (issuing !== undefined) stored._issuedWith = sha256(issuing);
      if (SEALED_ID_MODELS.has(this.model)) stored._sealedId = box.seal(id);
      if (this.model === 'Interaction') {
        // It copies the browser's session cookie value, which the engine never reads back...
        if (stored.session && typeof stored.session === 'object') {
          const { cookie: _cookie, ...session } = stored.session as Record<string, unknown>;
          stored.session = session;
        }
        // ...and the device code being approved (the device's polling secret): kept sealed.
        for (const field of SEALED_INTERACTION_FIELDS) {
          if (typeof stored[field] === 'string')
            stored[field] = `${SEALED}${box.seal(stored[field] as string)}`;
        }
      }
      if (this.model === 'Client') clientCache.delete(id);
      await records.upsert({
        model: this.model,
        idHash: sha256(id),
        payload: stored,
        grantId: this.model === 'Grant' ? id : typeof payload.grantId === 'string' ? payload.grantId : null,
        uid: typeof payload.uid === 'string' ? payload.uid : null,
        userCodeHash: typeof userCode === 'string' ? sha256(userCode) : null,
        accountId: typeof payload.accountId === 'string' ? payload.accountId : null,
        expiresAt: expiresIn
          ? clock.now().getTime() + expiresIn * 1000
          : this.model === 'Client'
            ? clock.now().getTime() + UNUSED_CLIENT_TTL_MS
            : null,
        consumedAt: null,
      });
      if (this.model === 'RefreshToken')
        await this.#linkRotation(id, typeof payload.grantId === 'string' ? payload.grantId : undefined);
      if (issuing !== undefined && typeof payload.grantId === 'string')
        await this.#retireIfSuperseded(payload.grantId, sha256(issuing));
    }

    /**
     * A refresh on another instance may have retired this answer's refresh token (#linkRotation) before
     * this access token was saved, so after the retirement swept its access tokens. Checked after the
     * save: either that sweep saw this token, or this read sees the refresh token used.
     */
    async #retireIfSuperseded(grantId: string, refreshIdHash: string): Promise<void> {
      const refresh = await records.find('RefreshToken', refreshIdHash);
      if (refresh?.consumedAt != null) await records.revokeAccessTokensIssuedWith(grantId, refreshIdHash);
    }

    /**
     * Remembers which token replaced a rotated refresh token. If the old one had been replaced before
     * (its response was lost and the client retried), the earlier replacement, never used, is retired:
     * one device keeps one chain of refresh tokens.
     */
    async #linkRotation(id: string, grantId: string | undefined): Promise<void> {
      const predecessor = rotatedRefreshToken();
      if (!predecessor || predecessor === id) return;
      const previous = await records.link('RefreshToken', sha256(predecessor), sha256(id));
      // Consumed, not deleted: if the earlier replacement is ever presented, that is reuse, and the
      // engine ends the session (someone replayed an old token while the device kept the new one).
      if (previous && previous !== sha256(id)) {
        await records.consume('RefreshToken', previous);
        // The access token of the replaced answer too: it was the same lost (or superseded) answer.
        if (grantId) await records.revokeAccessTokensIssuedWith(grantId, previous);
      }
    }

    async find(id: string): Promise<Record<string, unknown> | undefined> {
      if (this.model === 'Client') {
        const cached = clientCache.get(id);
        if (cached && cached.until > clock.now().getTime()) return cached.payload;
      }
      if (this.model === 'RefreshToken') await refreshes.beforeRead(id);
      const record = await records.find(this.model, sha256(id));
      if (!record) return undefined;
      if (this.model === 'RefreshToken' && (await retriable(record))) record.consumedAt = null;
      const payload = restore(record, { jti: id });
      if (this.model === 'Client')
        clientCache.set(id, { payload, until: clock.now().getTime() + CLIENT_CACHE_MS });
      return payload;
    }

    async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
      const record = await records.findByUserCodeHash(this.model, sha256(userCode));
      return record && restore(record, { userCode });
    }

    async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
      const record = await records.findByUid(this.model, uid);
      return record && restore(record, {});
    }

    async consume(id: string): Promise<void> {
      // A rotated refresh token is marked used when its successor is linked (#linkRotation), in the
      // same step: marked used before, a concurrent refresh on another instance would read it used
      // with no successor yet and take it for a replay.
      if (this.model === 'RefreshToken') return;
      await records.consume(this.model, sha256(id));
    }

    async destroy(id: string): Promise<void> {
      if (this.model === 'Client') clientCache.delete(id);
      await records.destroy(this.model, sha256(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await records.revokeByGrantId(grantId);
    }
  };
}
