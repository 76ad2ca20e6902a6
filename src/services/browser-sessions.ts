import type { User } from '../domain/user.js';
import type { Repositories } from '../storage/repositories.js';

/** What mxauth's own pages need of the browser signed in to them (see web/browser-session.ts). */
export class BrowserSessionService {
  constructor(private readonly storage: Pick<Repositories, 'users' | 'browserSessions'>) {}

  /** The account of an engine session, unless it is gone, locked or deactivated (then nobody is signed in). */
  async signedInUser(accountId: string): Promise<User | undefined> {
    const user = await this.storage.users.findById(accountId);
    return user && !user.lockedAt && !user.deactivatedAt ? user : undefined;
  }

  /** Records the browser the first time it is seen signed in, and its activity after that. */
  recordActivity(input: { id: string; userId: string; ip: string | null; userAgent: string | null }) {
    return this.storage.browserSessions.touch(input);
  }
}
