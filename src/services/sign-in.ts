import { localpartFromInput } from '../domain/matrix-id.js';
import { MAX_PASSWORD_LENGTH } from '../domain/password-policy.js';
import type { User } from '../domain/user.js';
import type { Storage } from '../storage/storage.js';
import type { LoginAttempt, LoginLimits } from './login-limits.js';
import type { UserService } from './users.js';

/**
 * Who is signing in, as the caller received it:
 * - `typed`: one text box (the login page), a localpart, a user id of this server, or an email address;
 * - `user`: a localpart or user id and nothing else (the compatibility API's `m.id.user` and `user`);
 * - `email`: an email address (the compatibility API's `m.id.thirdparty`).
 */
export interface SignInIdentifier {
  kind: 'typed' | 'user' | 'email';
  value: string;
}

/** What a password backend says about a password for an account. */
export type PasswordVerdict =
  | { kind: 'right'; user: User }
  /** The password is right, but the account may not be used; said only to someone who knows it. */
  | { kind: 'right_but'; status: 'locked' | 'deactivated'; user: User }
  /** Wrong password, unknown account, or an account without a password: deliberately one answer. */
  | { kind: 'wrong' };

/**
 * Where passwords are checked. The local one checks mxauth's own hashes; a directory (LDAP) is another.
 * A backend spends as much time on an unknown account as on a known one, so timing tells nobody who exists.
 */
export interface PasswordBackend {
  check(localpart: string, password: string): Promise<PasswordVerdict>;
}

/** mxauth's own password hashes (services/passwords/), through the user service that holds them. */
export class LocalPasswordBackend implements PasswordBackend {
  constructor(private readonly users: Pick<UserService, 'checkPassword'>) {}

  async check(localpart: string, password: string): Promise<PasswordVerdict> {
    const checked = await this.users.checkPassword(localpart, password);
    if (checked.ok) return { kind: 'right', user: checked.value };
    const problem = checked.error;
    if (problem.kind === 'invalid_credentials') return { kind: 'wrong' };
    return { kind: 'right_but', status: problem.kind, user: problem.user };
  }
}

export type SignInResult =
  | {
      ok: true;
      user: User;
      /** A second factor must be proven before the sign-in completes (none exist yet: always false). */
      secondFactorDue: boolean;
    }
  | SignInRefusal;

export type SignInRefusal =
  /** The identifier cannot name any account (control characters, overlong): nothing was looked up. */
  | { ok: false; problem: 'invalid_input' }
  /** Unknown account or wrong password, never told apart. */
  | { ok: false; problem: 'unknown_or_wrong' }
  /** Too many wrong passwords from this address, or for this account (in a browser not known to it). */
  | { ok: false; problem: 'limited'; by: 'address' | 'account'; retryAfterMs: number }
  /** The password is right, but the account may not be signed in to. */
  | { ok: false; problem: 'locked' | 'deactivated'; user: User };

export interface SignInAttempt {
  identifier: SignInIdentifier;
  password: string;
  /** The client address the per-address limit counts by. */
  address: string | undefined;
  /**
   * The id of this browser as known to an account (web/known-browser.ts), asked once the account is
   * found: a browser that signed in to it before has a per-account budget of its own.
   */
  knownBrowser?: ((userId: string) => string | undefined) | undefined;
}

/** Longer than any localpart, user id or email address: such an input names nobody. */
const MAX_IDENTIFIER_LENGTH = 512;

/**
 * The one rule for identifiers, the login page's: no control character at all (DEL and tab included,
 * which the HTTP edge lets through for free text) and a bounded length. The edge (http/text-guard.ts)
 * already refuses NUL; this rule holds for any caller, so no lookup ever carries such a text.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

export function identifierAcceptable(value: string): boolean {
  return value.length <= MAX_IDENTIFIER_LENGTH && !CONTROL.test(value);
}

export interface SignInDependencies {
  storage: Storage;
  limits: LoginLimits;
  passwords: PasswordBackend;
  serverName: string;
  /** `account.login_with_email_allowed`: a verified email address names its account. */
  loginWithEmail: boolean;
}

/**
 * Password sign-in, for every caller (the login page, the compatibility login API, the account pages'
 * re-authentication): identifier resolution, the input rule, both login limits, the password check,
 * and whether a second factor is due. Callers only turn the result into their protocol's answer.
 */
export class SignInService {
  constructor(private readonly deps: SignInDependencies) {}

  async signIn(input: SignInAttempt): Promise<SignInResult> {
    const { value } = input.identifier;
    if (!identifierAcceptable(value)) return { ok: false, problem: 'invalid_input' };
    const localpart = await this.localpartOf(input.identifier);
    const known =
      localpart !== undefined && input.knownBrowser
        ? await this.deps.storage.users.findByLocalpart(localpart)
        : undefined;
    // An identifier naming nobody is limited by what was typed, so guessing names is limited too.
    const attempt = this.deps.limits.attempt({
      address: input.address,
      account: localpart ?? value,
      knownBrowser: known && input.knownBrowser?.(known.id),
    });
    return this.#check({ attempt, localpart, password: input.password });
  }

  /** The signed-in `user` proving the password again before a sensitive change. */
  async reauthenticate(input: {
    user: User;
    password: string;
    address: string | undefined;
    knownBrowser?: string | undefined;
  }): Promise<SignInResult> {
    return this.#check({
      attempt: this.reserveReauthentication(input),
      localpart: input.user.localpart,
      password: input.password,
    });
  }

  /**
   * `reauthenticate` for a caller that reserved the attempt itself (`reserveReauthentication`, asked
   * only once the password is about to be checked): the same password checks, `attempt` given back
   * when the password is right.
   */
  async reauthenticateReserved(input: {
    user: User;
    password: string;
    attempt: { succeeded(): void };
  }): Promise<SignInResult> {
    const { attempt } = input;
    return this.#check({
      attempt: { ok: true, succeeded: () => attempt.succeeded() },
      localpart: input.user.localpart,
      password: input.password,
    });
  }

  /**
   * One re-authentication attempt of `user` reserved under both limits, for a caller that checks the
   * password itself; `succeeded()` gives it back once the password proves right.
   */
  reserveReauthentication(input: {
    user: User;
    address: string | undefined;
    knownBrowser?: string | undefined;
  }): LoginAttempt {
    return this.deps.limits.attempt({
      address: input.address,
      account: input.user.localpart,
      knownBrowser: input.knownBrowser,
    });
  }

  async #check(input: {
    attempt: LoginAttempt;
    localpart: string | undefined;
    password: string;
  }): Promise<SignInResult> {
    const { attempt } = input;
    if (!attempt.ok)
      return { ok: false, problem: 'limited', by: attempt.by, retryAfterMs: attempt.retryAfterMs };
    // No password is that long (the policy caps new ones): wrong without spending a hash on it.
    if (input.password.length > MAX_PASSWORD_LENGTH) return { ok: false, problem: 'unknown_or_wrong' };
    // An unknown name still costs a full password check, so timing does not tell which names exist.
    const verdict = await this.deps.passwords.check(input.localpart ?? '', input.password);
    if (verdict.kind === 'wrong') return { ok: false, problem: 'unknown_or_wrong' };
    // Only wrong passwords count against the limits; a right one (of a locked account too) is given back.
    attempt.succeeded();
    if (verdict.kind === 'right_but') return { ok: false, problem: verdict.status, user: verdict.user };
    return { ok: true, user: verdict.user, secondFactorDue: false };
  }

  /**
   * The localpart an identifier names, when it names one this server could have. Without the input
   * rule: an appservice login names its user this way and refuses a bad localpart in its own terms.
   */
  async localpartOf(identifier: SignInIdentifier): Promise<string | undefined> {
    const value = identifier.value.trim();
    const email =
      identifier.kind === 'email' ||
      (identifier.kind === 'typed' && value.includes('@') && !value.startsWith('@'));
    if (email) return this.#emailOwner(value);
    const localpart = localpartFromInput(value, this.deps.serverName);
    return localpart.ok ? localpart.value.toLowerCase() : undefined;
  }

  /** The owner of a verified address. */
  async #emailOwner(address: string): Promise<string | undefined> {
    if (!this.deps.loginWithEmail) return undefined;
    const { storage } = this.deps;
    const at = address.lastIndexOf('@');
    // Stored addresses keep their local part's case and lower the domain's (domain/email.ts); the
    // address as typed and all in lower case were what the page and the compatibility API looked up.
    const forms = new Set([
      address,
      at > 0 ? `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}` : address,
      address.toLowerCase(),
    ]);
    for (const form of forms) {
      const found = await storage.emails.findByAddress(form);
      if (!found?.confirmedAt) continue;
      return (await storage.users.findById(found.userId))?.localpart;
    }
    return undefined;
  }
}
