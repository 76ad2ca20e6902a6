import { newPasswordProblem } from '../../domain/password-policy.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { User } from '../../domain/user.js';
import { primaryVerifiedEmail } from '../contact-claims.js';
import {
  type AccountSettingsDependencies,
  type AccountSettingsOptions,
  type PasswordAttempt,
  proveOwnPassword,
} from './deps.js';

export type ChangePasswordProblem =
  | { kind: 'passwords_disabled' }
  | { kind: 'rate_limited' }
  | { kind: 'no_password' }
  | { kind: 'wrong_password' }
  | { kind: 'mismatch' }
  | { kind: 'same_password' }
  | { kind: 'weak_password'; reason: string };

export interface ChangePasswordInput {
  current: string;
  next: string;
  confirmation: string;
  language: string;
  allowAttempt: () => PasswordAttempt | undefined;
}

/** The user's own password: whether there is one, and changing it. */
export class PasswordSettings {
  constructor(
    private readonly deps: Pick<AccountSettingsDependencies, 'storage' | 'hasher' | 'signIn' | 'messages'>,
    private readonly options: Pick<AccountSettingsOptions, 'passwordsEnabled' | 'minimumComplexity'>,
  ) {}

  /** Whether the user has a password to change (an account made without one has none). */
  async hasPassword(user: User): Promise<boolean> {
    return this.options.passwordsEnabled && (await this.deps.storage.passwords.active(user.id)) !== undefined;
  }

  /**
   * Replaces the password after checking the current one, and mails the primary verified address that
   * it changed, in the same transaction: someone who learnt the old password cannot change it unnoticed.
   * The new password is judged first; `allowAttempt` (the sign-in limits) is asked only when the
   * current password is about to be checked, so a typo in the new one costs no attempt.
   */
  async change(user: User, input: ChangePasswordInput): Promise<Result<void, ChangePasswordProblem>> {
    if (!this.options.passwordsEnabled) return err({ kind: 'passwords_disabled' });
    const { storage, hasher, signIn, messages } = this.deps;
    if (!(await storage.passwords.active(user.id))) return err({ kind: 'no_password' });
    if (input.next !== input.confirmation) return err({ kind: 'mismatch' });
    const emails = await storage.emails.listForUser(user.id);
    const weak = newPasswordProblem(
      { enabled: true, minimumComplexity: this.options.minimumComplexity },
      input.next,
      {
        localpart: user.localpart,
        displayName: user.displayName,
        emails: emails.map((e) => e.email),
      },
    );
    if (weak) return err(weak);
    const proof = await proveOwnPassword(signIn, user, input.current, input.allowAttempt);
    if (proof !== 'proven') return err({ kind: proof });
    // Told only to someone who proved the current password.
    if (input.next === input.current) return err({ kind: 'same_password' });
    const hashed = await hasher.hash(input.next);
    const notify = primaryVerifiedEmail(emails);
    await storage.transaction(async (tx) => {
      await tx.passwords.add({ userId: user.id, hashedPassword: hashed.hash, version: hashed.version });
      // A recovery link sent before would undo this change: it stops working.
      await tx.recoveryTickets.consumeAllForUser(user.id);
      if (notify)
        await messages.email(tx, {
          to: notify.email,
          language: input.language,
          message: { kind: 'password_changed', localpart: user.localpart },
        });
    });
    if (notify) messages.wake();
    return ok(undefined);
  }
}
