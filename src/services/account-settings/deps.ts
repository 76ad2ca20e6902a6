import type { Clock } from '../../domain/clock.js';
import type { User } from '../../domain/user.js';
import type { Outbox } from '../../jobs/outbox.js';
import type { Storage } from '../../storage/storage.js';
import type { CompatSessionService } from '../compat-sessions.js';
import type { Messenger } from '../messages.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import type { RateLimit } from '../rate-limit.js';
import type { SignInService } from '../sign-in.js';
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
  /** Codes sent to new addresses or numbers, and codes typed in, per account (`rate_limiting.verification_codes`). */
  codeLimits: { sendsPerAccount: RateLimit; checksPerAccount: RateLimit };
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
  /** Proving the password again goes through sign-in's own checks. */
  signIn: Pick<SignInService, 'reauthenticateReserved'>;
}

/** A password attempt reserved under the sign-in limits; `succeeded` gives it back (only wrong ones count). */
export interface PasswordAttempt {
  succeeded(): void;
}

/**
 * Proves the person asking knows the account's password, under the sign-in limits (`allowAttempt`
 * reserves the attempt) and through sign-in's password checks: only a wrong password spends it.
 */
export async function proveOwnPassword(
  signIn: AccountSettingsDependencies['signIn'],
  user: User,
  password: string,
  allowAttempt: () => PasswordAttempt | undefined,
): Promise<'proven' | 'rate_limited' | 'wrong_password'> {
  const attempt = allowAttempt();
  if (!attempt) return 'rate_limited';
  const result = await signIn.reauthenticateReserved({ user, password, attempt });
  if (result.ok) return 'proven';
  // A locked or deactivated account is told no more here than a wrong password would be.
  return result.problem === 'limited' ? 'rate_limited' : 'wrong_password';
}
