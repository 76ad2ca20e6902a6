import { validateDisplayName } from '../domain/display-name.js';
import { validateEmail } from '../domain/email.js';
import { type LocalpartProblem, validateLocalpart } from '../domain/matrix-id.js';
import { checkPasswordComplexity } from '../domain/password-policy.js';
import { err, ok, type Result } from '../domain/result.js';
import { type User, type UserEmail, userStatus } from '../domain/user.js';
import { describeHomeserverError, type HomeserverConnector } from '../homeserver/connector.js';
import type { Repositories } from '../storage/repositories.js';
import type { Storage } from '../storage/storage.js';
import type { HomeserverJob } from './homeserver-jobs.js';
import type { Outbox } from './outbox.js';
import type { PasswordHasher } from './passwords/hasher.js';

export interface UserServiceOptions {
  serverName: string;
  passwordsEnabled: boolean;
  minimumComplexity: number;
}

export type PasswordProblem = { kind: 'passwords_disabled' } | { kind: 'weak_password'; reason: string };

export type RegisterProblem =
  | { kind: 'invalid_localpart'; problem: LocalpartProblem }
  | { kind: 'localpart_taken' }
  | { kind: 'invalid_email'; reason: string }
  | { kind: 'email_taken' }
  | { kind: 'invalid_display_name' }
  /** The homeserver refused the localpart (an application service's, or taken there). */
  | { kind: 'localpart_unavailable'; reason: string }
  | { kind: 'homeserver_unavailable'; reason: string }
  /** The registration token was valid when checked but was used up, revoked or expired since. */
  | { kind: 'registration_token_invalid' }
  | PasswordProblem;

export interface RegisterInput {
  localpart: string;
  password?: string;
  email?: string;
  displayName?: string;
  canRequestAdmin?: boolean;
  /** Admin override of the complexity policy (the CLI's --ignore-password-complexity). */
  ignoreComplexity?: boolean;
  /**
   * The address is proven by a code before the account is made: whether another account has it is then
   * told only to whoever reads that mailbox (at creation), so the form tells nobody else.
   */
  emailProvenLater?: boolean;
}

/**
 * A registration that passed every check, its password already hashed: plain data, so the pages can keep
 * it (sealed) between asking for the details and the emailed code.
 */
export interface PreparedRegistration {
  localpart: string;
  email: string | null;
  displayName: string | null;
  password: { version: number; hash: string } | null;
  canRequestAdmin: boolean;
}

/** What the account is created together with, in the same transaction. */
export interface RegistrationExtras {
  /** The terms of service the person accepted (their URL), recorded with the time. */
  termsUri?: string;
  /** The hash of the registration token, used up once; the registration fails if it no longer can be. */
  registrationTokenHash?: string;
}

/** Why a password sign-in failed. A wrong password and an unknown user are deliberately the same answer. */
export type SignInProblem =
  | { kind: 'invalid_credentials' }
  | { kind: 'locked'; user: User }
  | { kind: 'deactivated'; user: User };

/** Account use cases: each one validates first, then changes storage in a single transaction. */
export class UserService {
  constructor(
    private readonly storage: Storage,
    private readonly hasher: PasswordHasher,
    private readonly homeserver: HomeserverConnector,
    private readonly outbox: Outbox,
    private readonly options: UserServiceOptions,
  ) {}

  async register(input: RegisterInput): Promise<Result<User, RegisterProblem>> {
    const prepared = await this.prepareRegistration(input);
    if (!prepared.ok) return prepared;
    return this.createAccount(prepared.value);
  }

  /**
   * Whether a localpart could be registered now: valid, free here and free on the homeserver (which has
   * the last word: an application service's namespace, or a user that exists there but not here).
   */
  async checkLocalpart(input: string): Promise<Result<string, RegisterProblem>> {
    const localpart = validateLocalpart(input, this.options.serverName);
    if (!localpart.ok) return err({ kind: 'invalid_localpart', problem: localpart.error });
    if (await this.storage.users.findByLocalpart(localpart.value)) return err({ kind: 'localpart_taken' });
    const available = await this.homeserver.isLocalpartAvailable(localpart.value);
    if (!available.ok) {
      const reason = describeHomeserverError(available.error);
      if (available.error.kind === 'user_in_use') return err({ kind: 'localpart_taken' });
      if (available.error.kind === 'transient' || available.error.kind === 'unauthorized')
        return err({ kind: 'homeserver_unavailable', reason });
      return err({ kind: 'localpart_unavailable', reason });
    }
    return ok(localpart.value);
  }

  /** Checks everything about a new account and hashes its password; nothing is stored yet. */
  async prepareRegistration(input: RegisterInput): Promise<Result<PreparedRegistration, RegisterProblem>> {
    const syntax = validateLocalpart(input.localpart, this.options.serverName);
    if (!syntax.ok) return err({ kind: 'invalid_localpart', problem: syntax.error });
    let email: string | null = null;
    if (input.email !== undefined) {
      const valid = validateEmail(input.email);
      if (!valid.ok) return err({ kind: 'invalid_email', reason: valid.error });
      email = valid.value;
    }
    const typedName = input.displayName?.trim() ?? '';
    const validName = typedName === '' ? undefined : validateDisplayName(typedName);
    if (validName && !validName.ok) return err({ kind: 'invalid_display_name' });
    const displayName = validName?.value ?? null;
    // Cheap checks before the expensive hash, and the hash before any transaction so it stays short.
    if (input.password !== undefined) {
      const problem = this.#passwordProblem(input.password, input.ignoreComplexity ?? false, [
        syntax.value,
        email ?? '',
        displayName ?? '',
      ]);
      if (problem) return err(problem);
    }
    if (email && !input.emailProvenLater && (await this.storage.emails.findByAddress(email)))
      return err({ kind: 'email_taken' });
    const localpart = await this.checkLocalpart(syntax.value);
    if (!localpart.ok) return localpart;
    const password = input.password === undefined ? null : await this.hasher.hash(input.password);
    return ok({
      localpart: localpart.value,
      email,
      displayName,
      password,
      canRequestAdmin: input.canRequestAdmin ?? false,
    });
  }

  /**
   * Creates a prepared account in one transaction with everything that comes with it: its password, its
   * (verified) address as the primary one, the accepted terms, the registration token's use, and the
   * homeserver's provisioning job. Any of them failing leaves nothing behind.
   */
  async createAccount(
    prepared: PreparedRegistration,
    extras: RegistrationExtras = {},
  ): Promise<Result<User, RegisterProblem>> {
    return this.storage
      .transaction(async (tx) => {
        const created = await tx.users.create({
          localpart: prepared.localpart,
          displayName: prepared.displayName,
          canRequestAdmin: prepared.canRequestAdmin,
        });
        if (!created.ok) return err({ kind: 'localpart_taken' } as const);
        const user = created.value;
        if (prepared.password)
          await tx.passwords.add({
            userId: user.id,
            hashedPassword: prepared.password.hash,
            version: prepared.password.version,
          });
        if (prepared.email) {
          const added = await tx.emails.add({ userId: user.id, email: prepared.email, confirmed: true });
          // Thrown to roll the user back; turned into a value just below.
          if (!added.ok) throw new Refused({ kind: 'email_taken' });
        }
        if (extras.termsUri) await tx.terms.accept(user.id, extras.termsUri);
        // Counted here, in the account's transaction: a token at its limit cannot be used twice by two
        // registrations that both checked it before either used it.
        if (extras.registrationTokenHash && !(await tx.registrationTokens.use(extras.registrationTokenHash)))
          throw new Refused({ kind: 'registration_token_invalid' });
        await this.outbox.enqueue(tx, user.id, { kind: 'provision_user', userId: user.id });
        return ok(user);
      })
      .then((result) => {
        if (result.ok) this.outbox.wake();
        return result;
      })
      .catch((e: unknown) => {
        if (e instanceof Refused) return err(e.problem);
        throw e;
      });
  }

  async setPassword(
    localpart: string,
    password: string,
    options: { ignoreComplexity?: boolean } = {},
  ): Promise<Result<User, PasswordProblem | { kind: 'unknown_user' }>> {
    const user = await this.storage.users.findByLocalpart(localpart);
    if (!user) return err({ kind: 'unknown_user' });
    const hashed = await this.hashNewPassword(user, password, options);
    if (!hashed.ok) return hashed;
    await this.storage.passwords.add({
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
    const emails = await this.storage.emails.listForUser(user.id);
    const problem = this.#passwordProblem(password, options.ignoreComplexity ?? false, [
      user.localpart,
      user.displayName ?? '',
      ...emails.map((e) => e.email),
    ]);
    if (problem) return err(problem);
    return ok(await this.hasher.hash(password));
  }

  /**
   * Checks a password sign-in. Unknown users cost as much time as known ones. A hash made by an older
   * scheme is replaced by one of the current scheme once the password is proven right.
   */
  async checkPassword(localpart: string, password: string): Promise<Result<User, SignInProblem>> {
    if (!this.options.passwordsEnabled) return err({ kind: 'invalid_credentials' });
    const user = await this.storage.users.findByLocalpart(localpart);
    const stored = user && (await this.storage.passwords.active(user.id));
    if (!user || !stored) {
      await this.hasher.verifyNothing(password);
      return err({ kind: 'invalid_credentials' });
    }
    const check = await this.hasher.verify(
      { version: stored.version, hash: stored.hashedPassword },
      password,
    );
    if (check === 'invalid') return err({ kind: 'invalid_credentials' });
    if (check === 'valid_needs_upgrade') {
      const upgraded = await this.hasher.hash(password);
      await this.storage.passwords.add({
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

  /** The account of `localpart` when it may be signed in to now: neither locked nor deactivated. */
  async activeUser(
    localpart: string,
  ): Promise<Result<User, { kind: 'unknown_user' } | { kind: 'locked' | 'deactivated' }>> {
    const user = await this.storage.users.findByLocalpart(localpart);
    if (!user) return err({ kind: 'unknown_user' });
    const status = userStatus(user);
    return status === 'active' ? ok(user) : err({ kind: status });
  }

  async setLocked(localpart: string, locked: boolean): Promise<Result<User, { kind: 'unknown_user' }>> {
    return this.#changeUser(localpart, async (tx, user) => {
      const changed = await tx.users.setLocked(user.id, locked);
      await this.outbox.enqueue(tx, user.id, { kind: 'provision_user', userId: user.id });
      return changed;
    });
  }

  /** One change to a user and the homeserver jobs it causes, in one transaction; then everyone is told. */
  async #changeUser(
    localpart: string,
    change: (tx: Repositories, user: User) => Promise<User | undefined>,
  ): Promise<Result<User, { kind: 'unknown_user' }>> {
    const updated = await this.storage.transaction(async (tx) => {
      const user = await tx.users.findByLocalpart(localpart);
      return user && change(tx, user);
    });
    if (!updated) return err({ kind: 'unknown_user' });
    this.outbox.wake();
    return ok(updated);
  }

  /**
   * Deactivates an account: every session ends at once here, and the homeserver deactivates the user
   * (`erase` also erases their data there). Idempotent; the account can be reactivated.
   */
  async deactivate(
    localpart: string,
    options: { erase: boolean },
  ): Promise<Result<{ user: User; sessionsEnded: number }, { kind: 'unknown_user' }>> {
    const done = await this.storage.transaction(async (tx) => {
      const user = await tx.users.findByLocalpart(localpart);
      if (!user) return undefined;
      const sessions = await tx.oauthSessions.listForUser(user.id, { active: true });
      for (const session of sessions) {
        await tx.oauthRecords.revokeByGrantId(session.grantId);
        await tx.oauthSessions.finish(session.id);
      }
      // Browser sessions and any grant without a device session go too, and the compat sessions.
      await tx.oauthRecords.revokeByAccountId(user.id);
      for (const session of await tx.compat.listForUser(user.id, { active: true }))
        await tx.compat.finish(session.id);
      const updated = user.deactivatedAt ? user : await tx.users.setDeactivated(user.id, true);
      // delete_user removes the user's devices on the homeserver as well.
      await this.outbox.enqueue(tx, user.id, {
        kind: 'delete_user',
        localpart: user.localpart,
        erase: options.erase,
      });
      return { user: updated ?? user, sessions };
    });
    if (!done) return err({ kind: 'unknown_user' });
    this.outbox.wake();
    return ok({ user: done.user, sessionsEnded: done.sessions.length });
  }

  /**
   * The account of an application service's user (a bridged user), created here on first login: the
   * appservice registered it on the homeserver itself, so it is neither checked nor provisioned there.
   */
  async ensureAppserviceUser(localpart: string): Promise<User> {
    const existing = await this.storage.users.findByLocalpart(localpart);
    if (existing) return existing;
    const created = await this.storage.users.create({ localpart });
    if (created.ok) return created.value;
    // Created by a concurrent login meanwhile.
    const raced = await this.storage.users.findByLocalpart(localpart);
    if (!raced) throw new Error(`cannot create the appservice user ${localpart}`);
    return raced;
  }

  /** Queues a provision_user for every account (after a restore, or to repair the homeserver's copy). */
  async provisionAll(): Promise<number> {
    return this.#queueForAll((user) => ({ kind: 'provision_user', userId: user.id }));
  }

  /** Queues a device sync for one user (by localpart) or for every active account; returns how many. */
  async syncDevices(localpart?: string): Promise<Result<number, { kind: 'unknown_user' }>> {
    if (localpart === undefined)
      return ok(
        await this.#queueForAll((user) =>
          user.deactivatedAt ? undefined : { kind: 'sync_devices', userId: user.id },
        ),
      );
    const user = await this.storage.users.findByLocalpart(localpart);
    if (!user) return err({ kind: 'unknown_user' });
    await this.storage.transaction((tx) =>
      this.outbox.enqueue(tx, user.id, { kind: 'sync_devices', userId: user.id }),
    );
    this.outbox.wake();
    return ok(1);
  }

  /** One homeserver job per account (where `job` gives one), a page of accounts per transaction. */
  async #queueForAll(job: (user: User) => HomeserverJob | undefined): Promise<number> {
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.storage.users.list({ after, limit: 500 });
      if (page.length === 0) break;
      await this.storage.transaction(async (tx) => {
        for (const user of page) {
          const next = job(user);
          if (!next) continue;
          await this.outbox.enqueue(tx, user.id, next);
          count++;
        }
      });
      after = page.at(-1)!.localpart;
    }
    this.outbox.wake();
    return count;
  }

  async reactivate(localpart: string): Promise<Result<User, { kind: 'unknown_user' }>> {
    return this.#changeUser(localpart, async (tx, user) => {
      const changed = user.deactivatedAt ? await tx.users.setDeactivated(user.id, false) : user;
      await this.outbox.enqueue(tx, user.id, { kind: 'reactivate_user', localpart: user.localpart });
      await this.outbox.enqueue(tx, user.id, { kind: 'provision_user', userId: user.id });
      return changed;
    });
  }

  /**
   * Lets the user replace their cross-signing keys without interactive auth for a short while (the
   * homeserver's window, 10 minutes on Synapse). Delivered at once: the user is waiting to do it.
   */
  async allowCrossSigningReset(
    userId: string,
  ): Promise<Result<void, { kind: 'homeserver_unavailable'; error: string }>> {
    const job = await this.storage.transaction(async (tx) => {
      const user = await tx.users.findById(userId);
      return (
        user &&
        this.outbox.enqueue(tx, user.id, { kind: 'allow_cross_signing_reset', localpart: user.localpart })
      );
    });
    if (!job) return ok(undefined);
    const delivered = await this.outbox.deliverNow(job);
    if (delivered.delivered) return ok(undefined);
    // Not later: a reset window opening hours after the user gave up would surprise them.
    await this.storage.jobs.fail(job.id, `not delivered while the user waited: ${delivered.error}`);
    return err({ kind: 'homeserver_unavailable', error: delivered.error });
  }

  /** Allows or stops the user requesting homeserver admin rights (`urn:synapse:admin:*`). */
  async setCanRequestAdmin(
    localpart: string,
    allowed: boolean,
  ): Promise<Result<User, { kind: 'unknown_user' }>> {
    const user = await this.storage.users.findByLocalpart(localpart);
    const updated = user && (await this.storage.users.setCanRequestAdmin(user.id, allowed));
    if (!updated) return err({ kind: 'unknown_user' });
    return ok(updated);
  }

  async list(options: { after?: string; limit: number }): Promise<{ user: User; emails: UserEmail[] }[]> {
    const users = await this.storage.users.list(options);
    const emails = await this.storage.emails.listForUsers(users.map((u) => u.id));
    return users.map((user) => ({ user, emails: emails.filter((e) => e.userId === user.id) }));
  }

  #passwordProblem(
    password: string,
    ignoreComplexity: boolean,
    userInputs: string[],
  ): PasswordProblem | undefined {
    if (!this.options.passwordsEnabled) return { kind: 'passwords_disabled' };
    const complexity = checkPasswordComplexity(
      password,
      ignoreComplexity ? 0 : this.options.minimumComplexity,
      userInputs,
    );
    return complexity.ok ? undefined : { kind: 'weak_password', reason: complexity.error.reason };
  }
}

/** A refusal found inside a transaction: thrown to roll it back, then returned as a value. */
class Refused extends Error {
  constructor(readonly problem: RegisterProblem) {
    super(problem.kind);
  }
}
