import type { HomeserverConnector } from '../../homeserver/connector.js';
import type { Outbox } from '../../jobs/outbox.js';
import type { Storage } from '../../storage/storage.js';
import type { PasswordHasher } from '../passwords/hasher.js';

export interface UserServiceOptions {
  serverName: string;
  passwordsEnabled: boolean;
  minimumComplexity: number;
}

/** What every part of the account use cases works with. */
export interface UserDeps {
  storage: Storage;
  hasher: PasswordHasher;
  homeserver: HomeserverConnector;
  outbox: Outbox;
  options: UserServiceOptions;
}

export function passwordPolicy(options: UserServiceOptions): { enabled: boolean; minimumComplexity: number } {
  return { enabled: options.passwordsEnabled, minimumComplexity: options.minimumComplexity };
}
