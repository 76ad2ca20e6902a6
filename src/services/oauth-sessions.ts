import type { OAuthSession } from '../domain/oauth-session.js';
import { err, ok, type Result } from '../domain/result.js';
import type { Outbox } from '../jobs/outbox.js';
import type { Repositories } from '../storage/repositories.js';
import type { Storage } from '../storage/storage.js';
import { takeOverDevice } from './devices.js';

/**
 * Matrix device sessions. Starting one provisions its device on the homeserver before the client gets a
 * token; ending one revokes its grant, so every access and refresh token of the device stops working at
 * once, and deletes the device on the homeserver (through the outbox, so an outage loses nothing).
 */
export class OAuthSessionService {
  constructor(
    private readonly storage: Storage,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Called once the engine has issued the first tokens of a grant (code or device flow), before they are
   * sent. Fails when the homeserver could not create the device: the grant is then revoked, so no token
   * the homeserver would reject ever leaves.
   */
  async started(input: {
    userId: string;
    clientId: string;
    clientName: string | null;
    grantId: string;
    deviceId: string | null;
    scope: string;
    userAgent: string | null;
    ip: string | null;
    /** The engine's browser session it was signed in from (a back-channel logout upstream ends it). */
    browserSessionId?: string | null;
  }): Promise<Result<OAuthSession, { kind: 'homeserver_unavailable'; error: string }>> {
    const { session, upsert } = await this.storage.transaction(async (tx) => {
      const existing = await tx.oauthSessions.findByGrantId(input.grantId);
      if (existing) return { session: existing, upsert: undefined };
      const user = await tx.users.findById(input.userId);
      const session = await tx.oauthSessions.create(input);
      const upsert =
        user && input.deviceId
          ? await this.outbox.enqueue(tx, user.id, {
              kind: 'upsert_device',
              localpart: user.localpart,
              deviceId: input.deviceId,
              ...(input.clientName ? { displayName: input.clientName } : {}),
            })
          : undefined;
      return { session, upsert };
    });
    if (upsert) {
      const delivered = await this.outbox.deliverNow(upsert);
      if (!delivered.delivered) {
        // The device stays if an older session still holds it (see takeOverDevice); the failed sign-in
        // leaves no job behind unless the homeserver may have created the device after all.
        await this.storage.transaction(async (tx) => {
          await tx.oauthRecords.revokeByGrantId(session.grantId);
          const ended = await tx.oauthSessions.finish(session.id);
          await this.outbox.abandonSignIn(tx, upsert, delivered.untouched, ended);
        });
        this.outbox.wake();
        return err({ kind: 'homeserver_unavailable', error: delivered.error });
      }
    }
    // A device id names one device: signing in again with it ends the sessions that had it.
    const deviceId = session.deviceId;
    if (deviceId) {
      await this.storage.transaction((tx) =>
        takeOverDevice(tx, input.userId, deviceId, { grantId: input.grantId }),
      );
    }
    return ok(session);
  }

  /** The engine revoked these grants (revocation, refresh-token reuse, logout): finish their sessions. */
  async grantsRevoked(grantIds: string[]): Promise<void> {
    for (const grantId of grantIds) {
      await this.storage.transaction(async (tx) => {
        const session = await tx.oauthSessions.findByGrantId(grantId);
        if (session && !session.finishedAt) await this.#finish(tx, session);
      });
    }
    this.outbox.wake();
  }

  /** A device refreshed its tokens: it is in use (the account page's "last active"). */
  async active(grantId: string, ip: string | null): Promise<void> {
    const session = await this.storage.oauthSessions.findByGrantId(grantId);
    if (session && !session.finishedAt) await this.storage.oauthSessions.touch(session.id, ip);
  }

  /** Renames the session's device, here and on the homeserver. */
  async rename(session: OAuthSession, displayName: string): Promise<void> {
    await this.storage.transaction(async (tx) => {
      await tx.oauthSessions.rename(session.id, displayName);
      if (session.deviceId && !session.finishedAt)
        await this.outbox.renameDevice(tx, session.userId, session.deviceId, displayName);
    });
    this.outbox.wake();
  }

  /** Ends a session on the user's or an admin's request. */
  async end(session: OAuthSession): Promise<void> {
    await this.storage.transaction(async (tx) => {
      await tx.oauthRecords.revokeByGrantId(session.grantId);
      const current = await tx.oauthSessions.findById(session.id);
      if (current && !current.finishedAt) await this.#finish(tx, current);
    });
    this.outbox.wake();
  }

  /**
   * Ends the sessions whose tokens have all expired (run after the sweep has deleted them): the device
   * can never be used again, so it is deleted on the homeserver too. Returns how many ended.
   */
  async endExpired(): Promise<number> {
    let ended = 0;
    for (;;) {
      const batch = await this.storage.oauthSessions.withoutLiveTokens(100);
      for (const session of batch) {
        await this.end(session);
        ended++;
      }
      if (batch.length < 100) return ended;
    }
  }

  find(id: string): Promise<OAuthSession | undefined> {
    return this.storage.oauthSessions.findById(id);
  }

  listForUser(userId: string): Promise<OAuthSession[]> {
    return this.storage.oauthSessions.listForUser(userId, { active: true });
  }

  /** Finishes a session and, unless another live session holds the same device, deletes the device. */
  async #finish(tx: Repositories, session: OAuthSession): Promise<void> {
    await tx.oauthSessions.finish(session.id);
    if (session.deviceId) await this.outbox.releaseDevice(tx, session.userId, session.deviceId);
  }
}
