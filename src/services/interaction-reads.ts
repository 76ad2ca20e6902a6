import type { CompatSession } from '../domain/compat-session.js';
import type { OAuthSession } from '../domain/oauth-session.js';
import type { User } from '../domain/user.js';
import type { Storage } from '../storage/storage.js';

/** A localized value of a client's metadata (`client_name#fr`…). */
export interface ClientLocalization {
  field: string;
  language: string;
  value: string;
}

/** The session a device id already names, which signing in with that id would end. */
export type SessionOnDevice =
  | { kind: 'oauth'; session: OAuthSession }
  | { kind: 'compat'; session: CompatSession };

/**
 * What the authorization pages show besides the engine's own records: the account signing in, a
 * client's localized names, and the session a requested device id would replace. Reads only; every
 * change goes through the service that owns it.
 */
export class InteractionReads {
  constructor(private readonly storage: Storage) {}

  user(id: string): Promise<User | undefined> {
    return this.storage.users.findById(id);
  }

  clientLocalizations(clientId: string): Promise<ClientLocalization[]> {
    return this.storage.clientLocalizations.list(clientId);
  }

  async sessionOnDevice(userId: string, deviceId: string): Promise<SessionOnDevice | undefined> {
    const [oauth] = await this.storage.oauthSessions.activeForDevice(userId, deviceId);
    if (oauth) return { kind: 'oauth', session: oauth };
    const [compat] = await this.storage.compatSessions.activeForDevice(userId, deviceId);
    return compat && { kind: 'compat', session: compat };
  }
}
