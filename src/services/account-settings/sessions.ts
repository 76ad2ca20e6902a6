import type { BrowserSession } from '../../domain/account.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { User } from '../../domain/user.js';
import type { Repositories } from '../../storage/repositories.js';
import type { AccountSettingsDependencies } from './deps.js';

/** Where the user is signed in: browsers and devices, and signing them out. */
export class SessionSettings {
  constructor(private readonly deps: Pick<AccountSettingsDependencies, 'storage' | 'compat'>) {}

  /**
   * The browsers signed in to mxauth as this user. A row whose engine session is gone (signed out,
   * expired, or now another account's) is finished on the way, so the list only shows live ones.
   */
  async listBrowserSessions(user: User): Promise<BrowserSession[]> {
    const { storage } = this.deps;
    const live: BrowserSession[] = [];
    for (const row of await storage.browserSessions.listForUser(user.id, { active: true })) {
      const record = await storage.oauthRecords.findByUid('Session', row.id);
      if (record && record.accountId === user.id) live.push(row);
      else await storage.browserSessions.finish(row.id);
    }
    return live;
  }

  /** Signs one browser out: its engine session is destroyed, so its next request is signed out. */
  async endBrowserSession(user: User, uid: string): Promise<Result<void, { kind: 'not_found' }>> {
    const found = await this.deps.storage.transaction(async (tx) => {
      const row = await tx.browserSessions.find(uid);
      if (!row || row.userId !== user.id || row.finishedAt) return false;
      await destroyEngineSession(tx, user.id, uid);
      await tx.browserSessions.finish(uid);
      return true;
    });
    return found ? ok(undefined) : err({ kind: 'not_found' });
  }

  /**
   * Signs out every device (OAuth and compatibility sessions; each device is deleted on the homeserver)
   * and every other browser, keeping only the browser asking.
   */
  async signOutEverywhereElse(
    user: User,
    keepBrowserSession: string | undefined,
  ): Promise<{ devices: number; browsers: number }> {
    const devices = await this.deps.compat.endAll(user.id);
    const browsers = await this.deps.storage.transaction(async (tx) => {
      // Every engine session of the account goes, not only the browsers the account pages have seen:
      // a browser that signed in for an app and never opened these pages must sign in again too.
      const ended = await tx.oauthRecords.revokeSessionsOfAccount(user.id, keepBrowserSession);
      for (const row of await tx.browserSessions.listForUser(user.id, { active: true }))
        if (row.id !== keepBrowserSession) await tx.browserSessions.finish(row.id);
      return ended;
    });
    return { devices, browsers };
  }

  /** Forgets where the user was signed in, after the engine's sessions went with the account's records. */
  async finishAllBrowserSessions(user: User): Promise<void> {
    const { storage } = this.deps;
    for (const row of await storage.browserSessions.listForUser(user.id, { active: true }))
      await storage.browserSessions.finish(row.id);
  }
}

/** Destroys the engine's browser session `uid` when it is this user's (found by uid, destroyed by id). */
async function destroyEngineSession(tx: Repositories, userId: string, uid: string): Promise<void> {
  const record = await tx.oauthRecords.findByUid('Session', uid);
  if (record && record.accountId === userId) await tx.oauthRecords.destroy('Session', record.idHash);
}
