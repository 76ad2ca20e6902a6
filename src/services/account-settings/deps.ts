import type { Clock } from '../../domain/clock.js';
import { MAX_PASSWORD_LENGTH } from '../../domain/password-policy.js';
import type { User } from '../../domain/user.js';
import type { Outbox } from '../../jobs/outbox.js';
import type { Storage } from '../../storage/storage.js';
import type { CompatSessionService } from '../compat-sessions.js';
import type { Messenger } from '../messages.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import type { UserService } from '../users.js';
import type { VerificationService } from '../verification.js';

export interface AccountSettingsOptions {
  passwordsEnabled: boolean;
  minimumComplexity: number;
  /**
   * Whether someone must keep a verified address: password recovery mails its links there, and
   * registration demanded one. Then the last verified address cannot be removed.
   */
  verifiedEmailRequired: boolean;
}

export interface AccountSettingsDependencies {
  storage: Storage;
  hasher: PasswordHasher;
  outbox: Outbox;
  messages: Messenger;
  verification: VerificationService;
  users: UserService;
  compat: CompatSessionService;
  clock: Clock;
}

/** A password attempt reserved under the sign-in limits; `succeeded` gives it back (only wrong ones count). */
export interface PasswordAttempt {
  succeeded(): void;
}

/**
 * Proves the person asking knows the account's password, under the sign-in limits: only a wrong
 * password spends an attempt.
 */
export async function proveOwnPassword(
  users: UserService,
  user: User,
  password: string,
  allowAttempt: () => PasswordAttempt | undefined,
): Promise<'proven' | 'rate_limited' | 'wrong_password'> {
  const attempt = allowAttempt();
  if (!attempt) return 'rate_limited';
  // No password is that long (the policy caps new ones): wrong without spending a hash on it.
  if (password.length > MAX_PASSWORD_LENGTH) return 'wrong_password';
  const checked = await users.checkPassword(user.localpart, password);
  if (!checked.ok) return 'wrong_password';
  attempt.succeeded();
  return 'proven';
}
