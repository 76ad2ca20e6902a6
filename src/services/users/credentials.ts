import { newPasswordProblem, type PasswordProblem } from '../../domain/password-policy.js';
import { err, ok, type Result } from '../../domain/result.js';
import { type User, userStatus } from '../../domain/user.js';
import { passwordPolicy, type UserDeps } from './deps.js';

/** Why a password sign-in failed. A wrong password and an unknown user are deliberately the same answer. */
export type SignInProblem =
  | { kind: 'invalid_credentials' }
  | { kind: 'locked'; user: User }
  | { kind: 'deactivated'; user: User };

/** Passwords: setting a new one under the policy, and checking one at sign-in. */
export class Credentials {
  constructor(private readonly deps: UserDeps) {}

  async setPassword(
    localpart: string,
    password: string,
    options: { ignoreComplexity?: boolean } = {},
  ): Promise<Result<User, PasswordProblem | { kind: 'unknown_user' }>> {
    const user = await this.deps.storage.users.findByLocalpart(localpart);
    if (!user) return err({ kind: 'unknown_user' });
    const hashed = await this.hashNewPassword(user, password, options);
    if (!hashed.ok) return hashed;
    await this.deps.storage.passwords.add({
      userId: user.id,
      hashedPassword: hashed.value.hash,
      version: hashed.value.version,
    });
    return ok(user);
  }

  /**
   * A new password of `user` checked against the policy (their name and addresses count as guessable)
   * and hashed with the newest scheme, for the caller to store in its own transaction.
   */
  async hashNewPassword(
    user: User,
    password: string,
    options: { ignoreComplexity?: boolean } = {},
  ): Promise<Result<{ version: number; hash: string }, PasswordProblem>> {
    const problem = await this.#newPasswordProblem(user, password, options);
    if (problem) return err(problem);
    return ok(await this.deps.hasher.hash(password));
  }

  /** Why `password` cannot be the new password of `user`, if it cannot; nothing is hashed. */
  async #newPasswordProblem(
    user: User,
    password: string,
    options: { ignoreComplexity?: boolean } = {},
  ): Promise<PasswordProblem | undefined> {
    const emails = await this.deps.storage.emails.listForUser(user.id);
    return newPasswordProblem(
      passwordPolicy(this.deps.options),
      password,
      { localpart: user.localpart, displayName: user.displayName, emails: emails.map((e) => e.email) },
      options,
    );
  }

  /**
   * Checks a password sign-in. Unknown users cost as much time as known ones. A hash made by an older
   * scheme is replaced by one of the current scheme once the password is proven right.
   */
  async checkPassword(localpart: string, password: string): Promise<Result<User, SignInProblem>> {
    const { storage, hasher, options } = this.deps;
    if (!options.passwordsEnabled) return err({ kind: 'invalid_credentials' });
    const user = await storage.users.findByLocalpart(localpart);
    const stored = user && (await storage.passwords.active(user.id));
    if (!user || !stored) {
      await hasher.verifyNothing(password);
      return err({ kind: 'invalid_credentials' });
    }
    const check = await hasher.verify({ version: stored.version, hash: stored.hashedPassword }, password);
    if (check === 'invalid') return err({ kind: 'invalid_credentials' });
    if (check === 'valid_needs_upgrade') {
      const upgraded = await hasher.hash(password);
      await storage.passwords.add({
        userId: user.id,
        hashedPassword: upgraded.hash,
        version: upgraded.version,
        upgradedFromId: stored.id,
      });
    }
    // The account state is told only to someone who knows the password.
    const status = userStatus(user);
    if (status !== 'active') return err({ kind: status, user });
    return ok(user);
  }
}
