import type { Clock } from '../domain/clock.js';
import type { CompatOrigin, CompatSession } from '../domain/compat-session.js';
import { isCompatToken, newCompatToken } from '../domain/compat-token.js';
import { type Rng, randomString, UPPER_ALPHANUMERIC } from '../domain/random.js';
import { err, ok, type Result } from '../domain/result.js';
import { tokenHash } from '../domain/token-hash.js';
import type { User } from '../domain/user.js';
import type { Outbox } from '../jobs/outbox.js';
import type { Repositories } from '../storage/repositories.js';
import type { Storage } from '../storage/storage.js';
import { takeOverDevice } from './devices.js';

/** What a client receives from a compat login or refresh. */
export interface CompatGrant {
  session: CompatSession;
  accessToken: string;
  refreshToken?: string;
  /** When the access token expires; absent for tokens without a refresh token (they do not expire). */
  expiresInMs?: number;
}

export type CompatProblem = { kind: 'unknown_token' } | { kind: 'homeserver_unavailable'; error: string };

/** How long after a rotation a retry of the same refresh token counts as a lost answer. */
const RETRY_WINDOW_MS = 60_000;

/** How long the login token of an SSO redirect lives: long enough for a client to exchange it. */
const LOGIN_TOKEN_TTL_MS = 2 * 60_000;

/**
 * Sessions of the compatibility login API. They are first-class devices: provisioned on the homeserver
 * before the client gets its token, deleted there when they end, introspected like OAuth tokens.
 */
export class CompatSessionService {
  constructor(
    private readonly storage: Storage,
    private readonly outbox: Outbox,
    private readonly deps: { rng: Rng; clock: Clock; accessTokenTtlSeconds: number },
  ) {}

  /**
   * Signs `user` in on a device (a new one unless `deviceId` names one to take over: its previous
   * session, compat or OAuth, ends). With `refresh`, the access token expires and a refresh token comes
   * with it. Fails when the homeserver could not create the device; nothing is left behind then.
   */
  async login(input: {
    user: User;
    deviceId?: string;
    displayName?: string;
    refresh: boolean;
    origin: CompatOrigin;
    isAdmin?: boolean;
    ip: string | null;
    userAgent: string | null;
  }): Promise<Result<CompatGrant, CompatProblem>> {
    const deviceId = input.deviceId ?? randomString(this.deps.rng, 10, UPPER_ALPHANUMERIC);
    const { session, tokens, upsert } = await this.storage.transaction(async (tx) => {
      const session = await tx.compatSessions.create({
        userId: input.user.id,
        deviceId,
        origin: input.origin,
        isAdmin: input.isAdmin ?? false,
        displayName: input.displayName ?? null,
        userAgent: input.userAgent,
        ip: input.ip,
      });
      const tokens = await this.#issue(tx, session, input.refresh);
      const upsert = await this.outbox.enqueue(tx, input.user.id, {
        kind: 'upsert_device',
        localpart: input.user.localpart,
        deviceId,
        ...(input.displayName ? { displayName: input.displayName } : {}),
      });
      return { session, tokens, upsert };
    });
    if (upsert) {
      const delivered = await this.outbox.deliverNow(upsert);
      if (!delivered.delivered) {
        // The device stays if an older session still holds it (see takeOverDevice); the failed sign-in
        // leaves no job behind unless the homeserver may have created the device after all.
        await this.storage.transaction(async (tx) => {
          const ended = await tx.compatSessions.finish(session.id);
          await this.outbox.abandonSignIn(tx, upsert, delivered.untouched, ended);
        });
        this.outbox.wake();
        return err({ kind: 'homeserver_unavailable', error: delivered.error });
      }
    }
    await this.storage.transaction((tx) =>
      takeOverDevice(tx, input.user.id, deviceId, { compatSessionId: session.id }),
    );
    return ok({ session, ...tokens });
  }

  /**
   * Rotates a refresh token: a new access and refresh token, the old ones dead. A retry of a refresh
   * whose answer was lost gets a fresh pair in place of the lost one, if it comes within a minute and the
   * lost pair was never used. Anything else presented again is a replay and ends the session: a token
   * whose successor was used, a retry after the window, or a successor that a retry replaced.
   */
  async refresh(refreshToken: string, ip: string | null): Promise<Result<CompatGrant, CompatProblem>> {
    if (!isCompatToken(refreshToken, 'refresh')) return err({ kind: 'unknown_token' });
    const now = this.deps.clock.now().getTime();
    const result = await this.storage
      .transaction(async (tx): Promise<Result<CompatGrant, CompatProblem> | 'replay'> => {
        const stored = await tx.compatTokens.findRefreshToken(tokenHash(refreshToken));
        const session = stored && (await tx.compatSessions.find(stored.sessionId));
        if (!stored || !session || session.finishedAt) return err({ kind: 'unknown_token' });
        if (stored.supersededAt !== null) return 'replay';
        if (stored.nextTokenHash) {
          if (stored.consumedAt === null || now - stored.consumedAt > RETRY_WINDOW_MS) return 'replay';
          const successor = await tx.compatTokens.findRefreshToken(stored.nextTokenHash);
          // Used (or replaced) meanwhile, possibly by a concurrent request: not a lost answer.
          if (!successor || !(await tx.compatTokens.supersedeRefreshToken(successor.tokenHash)))
            return 'replay';
          await tx.compatTokens.deleteAccessToken(successor.accessTokenHash);
        } else {
          await tx.compatTokens.deleteAccessToken(stored.accessTokenHash);
        }
        const tokens = await this.#issue(tx, session, true);
        const won = await tx.compatTokens.consumeRefreshToken(
          stored.tokenHash,
          tokenHash(tokens.refreshToken!),
          stored.nextTokenHash,
        );
        if (!won) throw new ConcurrentRefresh();
        await tx.compatSessions.touch(session.id, ip);
        return ok({ session, ...tokens });
      })
      .catch((e: unknown) => {
        // Another request rotated this token at the same moment (a client sending twice): this one loses.
        if (e instanceof ConcurrentRefresh) return err({ kind: 'unknown_token' } as const);
        throw e;
      });
    if (result !== 'replay') return result;
    const stored = await this.storage.compatTokens.findRefreshToken(tokenHash(refreshToken));
    const session = stored && (await this.storage.compatSessions.find(stored.sessionId));
    if (session) await this.end(session);
    return err({ kind: 'unknown_token' });
  }

  /** The live session of an access token, for logout and for the homeserver's questions. */
  sessionOf(accessToken: string): Promise<CompatSession | undefined> {
    if (!isCompatToken(accessToken, 'access')) return Promise.resolve(undefined);
    return this.storage.compatTokens.sessionOfAccessToken(tokenHash(accessToken));
  }

  /** Ends a session: its tokens stop working at once, and its device is deleted on the homeserver. */
  async end(session: CompatSession): Promise<void> {
    await this.storage.transaction((tx) => this.#end(tx, session));
    this.outbox.wake();
  }

  /** Renames the session's device, here and on the homeserver. */
  async rename(session: CompatSession, displayName: string): Promise<void> {
    await this.storage.transaction(async (tx) => {
      await tx.compatSessions.rename(session.id, displayName);
      if (!session.finishedAt)
        await this.outbox.renameDevice(tx, session.userId, session.deviceId, displayName);
    });
    this.outbox.wake();
  }

  /** Ends every session of the user, compat and OAuth (`/logout/all`). Returns how many. */
  async endAll(userId: string): Promise<number> {
    const count = await this.storage.transaction(async (tx) => {
      let n = 0;
      for (const session of await tx.compatSessions.listForUser(userId, { active: true })) {
        await this.#end(tx, session);
        n++;
      }
      for (const session of await tx.oauthSessions.listForUser(userId, { active: true })) {
        await tx.oauthRecords.revokeByGrantId(session.grantId);
        await tx.oauthSessions.finish(session.id);
        if (session.deviceId) await this.outbox.releaseDevice(tx, userId, session.deviceId);
        n++;
      }
      return n;
    });
    this.outbox.wake();
    return count;
  }

  /** A single-use token for `m.login.token`, for the SSO redirect to hand to the client. */
  async issueLoginToken(userId: string): Promise<string> {
    const token = newCompatToken(this.deps.rng, 'login');
    await this.storage.compatLoginTokens.add({
      tokenHash: tokenHash(token),
      userId,
      expiresAt: this.deps.clock.now().getTime() + LOGIN_TOKEN_TTL_MS,
    });
    return token;
  }

  /** Uses a login token: the user it was for, once; undefined when unknown, expired, used or the user is gone. */
  async redeemLoginToken(token: string): Promise<User | undefined> {
    if (!isCompatToken(token, 'login')) return undefined;
    const owner = await this.storage.compatLoginTokens.consume(tokenHash(token));
    return owner === undefined ? undefined : this.storage.users.findById(owner);
  }

  find(id: string): Promise<CompatSession | undefined> {
    return this.storage.compatSessions.find(id);
  }

  listForUser(userId: string): Promise<CompatSession[]> {
    return this.storage.compatSessions.listForUser(userId, { active: true });
  }

  async #issue(
    tx: Repositories,
    session: CompatSession,
    refresh: boolean,
  ): Promise<{ accessToken: string; refreshToken?: string; expiresInMs?: number }> {
    const accessToken = newCompatToken(this.deps.rng, 'access');
    const ttlMs = this.deps.accessTokenTtlSeconds * 1000;
    await tx.compatTokens.addAccessToken({
      tokenHash: tokenHash(accessToken),
      sessionId: session.id,
      expiresAt: refresh ? this.deps.clock.now().getTime() + ttlMs : null,
    });
    if (!refresh) return { accessToken };
    const refreshToken = newCompatToken(this.deps.rng, 'refresh');
    await tx.compatTokens.addRefreshToken({
      tokenHash: tokenHash(refreshToken),
      sessionId: session.id,
      accessTokenHash: tokenHash(accessToken),
    });
    return { accessToken, refreshToken, expiresInMs: ttlMs };
  }

  async #end(tx: Repositories, session: CompatSession): Promise<void> {
    if (await tx.compatSessions.finish(session.id))
      await this.outbox.releaseDevice(tx, session.userId, session.deviceId);
  }
}

class ConcurrentRefresh extends Error {}
