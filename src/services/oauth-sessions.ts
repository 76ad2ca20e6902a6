import type { OAuthSession } from '../domain/oauth-session.js';
import type { Storage } from '../storage/storage.js';
import type { DomainEvents } from './events.js';

/**
 * Ends Matrix device sessions. Ending one revokes its grant, so every access and refresh token of the
 * device stops working at once, and records when it ended.
 */
export class OAuthSessionService {
  constructor(
    private readonly storage: Storage,
    private readonly events: DomainEvents,
  ) {}

  /** Called once the engine has issued the first tokens of a grant (code or device flow). */
  async started(input: {
    userId: string;
    clientId: string;
    grantId: string;
    deviceId: string | null;
    scope: string;
    userAgent: string | null;
    ip: string | null;
  }): Promise<OAuthSession> {
    const ended: string[] = [];
    const session = await this.storage.transaction(async (tx) => {
      const existing = await tx.oauthSessions.findByGrantId(input.grantId);
      if (existing) return existing;
      // A device id names one device: signing in again with it ends the session that had it.
      if (input.deviceId) {
        for (const previous of await tx.oauthSessions.activeForDevice(input.userId, input.deviceId)) {
          await tx.oauthRecords.revokeByGrantId(previous.grantId);
          await tx.oauthSessions.finish(previous.id);
          ended.push(previous.grantId);
        }
      }
      return tx.oauthSessions.create(input);
    });
    for (const grantId of ended) this.events.grantEnded(grantId);
    return session;
  }

  /** The engine revoked these grants (revocation, refresh-token reuse, logout): finish their sessions. */
  async grantsRevoked(grantIds: string[]): Promise<void> {
    for (const grantId of grantIds) {
      this.events.grantEnded(grantId);
      const session = await this.storage.oauthSessions.findByGrantId(grantId);
      if (session && !session.finishedAt) await this.storage.oauthSessions.finish(session.id);
    }
  }

  /** A device refreshed its tokens: it is in use (the account page's "last active"). */
  async active(grantId: string, ip: string | null): Promise<void> {
    const session = await this.storage.oauthSessions.findByGrantId(grantId);
    if (session && !session.finishedAt) await this.storage.oauthSessions.touch(session.id, ip);
  }

  /** Ends a session on the user's or an admin's request. */
  async end(session: OAuthSession): Promise<void> {
    await this.storage.transaction(async (tx) => {
      await tx.oauthRecords.revokeByGrantId(session.grantId);
      await tx.oauthSessions.finish(session.id);
    });
    this.events.grantEnded(session.grantId);
  }

  listForUser(userId: string): Promise<OAuthSession[]> {
    return this.storage.oauthSessions.listForUser(userId, { active: true });
  }
}
