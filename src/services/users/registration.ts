import { validateDisplayName } from '../../domain/display-name.js';
import { validateEmail } from '../../domain/email.js';
import { type LocalpartProblem, validateLocalpart } from '../../domain/matrix-id.js';
import { newPasswordProblem, type PasswordProblem } from '../../domain/password-policy.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { User } from '../../domain/user.js';
import { describeHomeserverError } from '../../homeserver/connector.js';
import { passwordPolicy, type UserDeps } from './deps.js';

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
  /** The upstream identity was linked to another account, or its sign-in used, meanwhile. */
  | { kind: 'upstream_identity_used' }
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
  /** The upstream identity the account is made from: linked, and its sign-in used up, with the account. */
  upstream?: { providerId: string; subject: string; accountName: string | null; authorizationId: string };
}

/** Making accounts: checked first (here and on the homeserver), then created in one transaction. */
export class Registration {
  constructor(private readonly deps: UserDeps) {}

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
    const localpart = validateLocalpart(input, this.deps.options.serverName);
    if (!localpart.ok) return err({ kind: 'invalid_localpart', problem: localpart.error });
    if (await this.deps.storage.users.findByLocalpart(localpart.value))
      return err({ kind: 'localpart_taken' });
    const available = await this.deps.homeserver.isLocalpartAvailable(localpart.value);
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
    const syntax = validateLocalpart(input.localpart, this.deps.options.serverName);
    if (!syntax.ok) return err({ kind: 'invalid_localpart', problem: syntax.error });
    const details = validDetails(input);
    if (!details.ok) return details;
    const { email, displayName } = details.value;
    // Cheap checks before the expensive hash, and the hash before any transaction so it stays short.
    if (input.password !== undefined) {
      const problem = newPasswordProblem(
        passwordPolicy(this.deps.options),
        input.password,
        { localpart: syntax.value, displayName, emails: email ? [email] : [] },
        { ignoreComplexity: input.ignoreComplexity ?? false },
      );
      if (problem) return err(problem);
    }
    if (email && !input.emailProvenLater && (await this.deps.storage.emails.findByAddress(email)))
      return err({ kind: 'email_taken' });
    const localpart = await this.checkLocalpart(syntax.value);
    if (!localpart.ok) return localpart;
    const password = input.password === undefined ? null : await this.deps.hasher.hash(input.password);
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
    const { storage, outbox } = this.deps;
    return storage
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
        if (extras.upstream) {
          const { providerId, subject, accountName, authorizationId } = extras.upstream;
          const linked = await tx.upstreamLinks.create({ providerId, subject, userId: user.id, accountName });
          if (!linked.ok || !(await tx.upstreamAuthorizations.consume(authorizationId, user.id)))
            throw new Refused({ kind: 'upstream_identity_used' });
        }
        await outbox.enqueue(tx, user.id, { kind: 'provision_user', userId: user.id });
        return ok(user);
      })
      .then((result) => {
        if (result.ok) outbox.wake();
        return result;
      })
      .catch((e: unknown) => {
        if (e instanceof Refused) return err(e.problem);
        throw e;
      });
  }

  /**
   * The account of an application service's user (a bridged user), created here on first login: the
   * appservice registered it on the homeserver itself, so it is neither checked nor provisioned there.
   */
  async ensureAppserviceUser(localpart: string): Promise<User> {
    const { users } = this.deps.storage;
    const existing = await users.findByLocalpart(localpart);
    if (existing) return existing;
    const created = await users.create({ localpart });
    if (created.ok) return created.value;
    // Created by a concurrent login meanwhile.
    const raced = await users.findByLocalpart(localpart);
    if (!raced) throw new Error(`cannot create the appservice user ${localpart}`);
    return raced;
  }
}

/** The optional address and display name, normalised; an empty name is none. */
function validDetails(
  input: RegisterInput,
): Result<{ email: string | null; displayName: string | null }, RegisterProblem> {
  let email: string | null = null;
  if (input.email !== undefined) {
    const valid = validateEmail(input.email);
    if (!valid.ok) return err({ kind: 'invalid_email', reason: valid.error });
    email = valid.value;
  }
  const typedName = input.displayName?.trim() ?? '';
  const validName = typedName === '' ? undefined : validateDisplayName(typedName);
  if (validName && !validName.ok) return err({ kind: 'invalid_display_name' });
  return ok({ email, displayName: validName?.value ?? null });
}

/** A refusal found inside a transaction: thrown to roll it back, then returned as a value. */
class Refused extends Error {
  constructor(readonly problem: RegisterProblem) {
    super(problem.kind);
  }
}
