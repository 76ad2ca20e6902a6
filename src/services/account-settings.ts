import type { BrowserSession, VerificationCode } from '../domain/account.js';
import type { Clock } from '../domain/clock.js';
import { validateDisplayName } from '../domain/display-name.js';
import { validateEmail } from '../domain/email.js';
import { checkPasswordComplexity, MAX_PASSWORD_LENGTH } from '../domain/password-policy.js';
import { err, ok, type Result } from '../domain/result.js';
import type { User, UserEmail, UserPhone } from '../domain/user.js';
import type { Outbox } from '../jobs/outbox.js';
import type { Repositories } from '../storage/repositories.js';
import type { Storage } from '../storage/storage.js';
import type { CompatSessionService } from './compat-sessions.js';
import type { Messenger } from './messages.js';
import type { PasswordHasher } from './passwords/hasher.js';
import { RateLimiter } from './rate-limit.js';
import type { UserService } from './users.js';
import type { CheckProblem, VerificationService } from './verification.js';

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

export type DisplayNameProblem = { kind: 'empty' } | { kind: 'too_long' } | { kind: 'control_characters' };

export type PhoneProblem =
  | { kind: 'empty' }
  | { kind: 'no_country_code' }
  | { kind: 'bad_characters' }
  | { kind: 'wrong_length' };

export type StartVerificationProblem =
  | { kind: 'invalid_email'; reason: string }
  | { kind: 'invalid_phone'; problem: PhoneProblem }
  /** Some account (this one included) already has it. */
  | { kind: 'taken' }
  /** Too many codes sent lately, to this target or by this account. */
  | { kind: 'throttled' };

export type FinishVerificationProblem =
  | CheckProblem
  | { kind: 'rate_limited' }
  /** Another account verified the same address or number meanwhile. */
  | { kind: 'taken' };

export type RemoveEmailProblem = { kind: 'not_found' } | { kind: 'last_verified' };

/** A password attempt reserved under the sign-in limits; `succeeded` gives it back (only wrong ones count). */
export interface PasswordAttempt {
  succeeded(): void;
}

export type ChangePasswordProblem =
  | { kind: 'passwords_disabled' }
  | { kind: 'rate_limited' }
  | { kind: 'no_password' }
  | { kind: 'wrong_password' }
  | { kind: 'mismatch' }
  | { kind: 'same_password' }
  | { kind: 'weak_password'; reason: string };

export type DeactivateProblem =
  | { kind: 'wrong_password' }
  | { kind: 'wrong_confirmation' }
  | { kind: 'rate_limited' };

// Each account may send a handful of codes an hour whatever the targets, so the pages cannot be used
// to flood strangers' inboxes or phones; and may check a few codes a minute beyond each code's own limit.
const SENDS = { burst: 5, perSecond: 10 / 3600 };
const CHECKS = { burst: 10, perSecond: 10 / 60 };

/**
 * What a signed-in person may change about their own account: display name, addresses, phone numbers,
 * password, where they are signed in, and whether the account exists at all. Each change and the
 * homeserver jobs or mail it causes are one transaction.
 */
export class AccountSettings {
  readonly #sends: RateLimiter;
  readonly #checks: RateLimiter;

  constructor(
    private readonly deps: AccountSettingsDependencies,
    private readonly options: AccountSettingsOptions,
  ) {
    this.#sends = new RateLimiter(SENDS, deps.clock);
    this.#checks = new RateLimiter(CHECKS, deps.clock);
  }

  async setDisplayName(user: User, input: string): Promise<Result<User, DisplayNameProblem>> {
    const valid = validateDisplayName(input);
    if (!valid.ok) return err({ kind: valid.error });
    const name = valid.value;
    const { storage, outbox } = this.deps;
    const updated = await storage.transaction(async (tx) => {
      const changed = await tx.users.setDisplayName(user.id, name);
      await outbox.enqueue(tx, user.id, { kind: 'set_displayname', userId: user.id });
      return changed;
    });
    outbox.wake();
    return ok(updated ?? { ...user, displayName: name });
  }

  // --- Email addresses ---

  listEmails(user: User): Promise<UserEmail[]> {
    return this.deps.storage.emails.listForUser(user.id);
  }

  /** Sends a code to an address the user wants to add; it is added once the code comes back. */
  async startAddingEmail(
    user: User,
    input: string,
    language: string,
  ): Promise<Result<VerificationCode, StartVerificationProblem>> {
    const valid = validateEmail(input);
    if (!valid.ok) return err({ kind: 'invalid_email', reason: valid.error });
    if (await this.deps.storage.emails.findByAddress(valid.value)) return err({ kind: 'taken' });
    return this.#send(user, 'add_email', 'email', valid.value, language);
  }

  async finishAddingEmail(
    user: User,
    verificationId: string,
    code: string,
  ): Promise<Result<UserEmail, FinishVerificationProblem>> {
    const checked = await this.#check(user, 'add_email', verificationId, code);
    if (!checked.ok) return checked;
    const { storage, outbox } = this.deps;
    const added = await storage.transaction(async (tx) => {
      const email = await tx.emails.add({ userId: user.id, email: checked.value.target, confirmed: true });
      // The homeserver mirrors the verified addresses (Synapse's threepids).
      if (email.ok) await outbox.enqueue(tx, user.id, { kind: 'provision_user', userId: user.id });
      return email;
    });
    if (!added.ok) return err({ kind: 'taken' });
    outbox.wake();
    return ok(added.value);
  }

  /** Only a verified address may become the one mail goes to and the `email` claim names. */
  async setPrimaryEmail(user: User, emailId: string): Promise<Result<UserEmail, { kind: 'not_found' }>> {
    const email = await this.deps.storage.emails.findById(emailId);
    if (!email || email.userId !== user.id || !email.confirmedAt) return err({ kind: 'not_found' });
    await this.deps.storage.emails.setPrimary(user.id, email.id);
    return ok(email);
  }

  async removeEmail(user: User, emailId: string): Promise<Result<UserEmail, RemoveEmailProblem>> {
    const { storage, outbox } = this.deps;
    const removed = await storage.transaction(async (tx): Promise<Result<UserEmail, RemoveEmailProblem>> => {
      const emails = await tx.emails.listForUser(user.id);
      const email = emails.find((e) => e.id === emailId);
      if (!email) return err({ kind: 'not_found' });
      const verified = emails.filter((e) => e.confirmedAt !== null);
      if (this.options.verifiedEmailRequired && email.confirmedAt !== null && verified.length === 1)
        return err({ kind: 'last_verified' });
      await tx.emails.remove(user.id, email.id);
      await outbox.enqueue(tx, user.id, { kind: 'provision_user', userId: user.id });
      return ok(email);
    });
    if (removed.ok) outbox.wake();
    return removed;
  }

  /** Whether removing this address is refused because it is the last verified one (see the options). */
  isRequiredEmail(emails: UserEmail[], email: UserEmail): boolean {
    return (
      this.options.verifiedEmailRequired &&
      email.confirmedAt !== null &&
      emails.filter((e) => e.confirmedAt !== null).length === 1
    );
  }

  // --- Phone numbers ---

  listPhones(user: User): Promise<UserPhone[]> {
    return this.deps.storage.phones.listForUser(user.id);
  }

  async startAddingPhone(
    user: User,
    input: string,
    language: string,
  ): Promise<Result<VerificationCode, StartVerificationProblem>> {
    const phone = normalisePhoneNumber(input);
    if (!phone.ok) return err({ kind: 'invalid_phone', problem: phone.error });
    if (await this.deps.storage.phones.findByNumber(phone.value)) return err({ kind: 'taken' });
    return this.#send(user, 'add_phone', 'sms', phone.value, language);
  }

  async finishAddingPhone(
    user: User,
    verificationId: string,
    code: string,
  ): Promise<Result<UserPhone, FinishVerificationProblem>> {
    const checked = await this.#check(user, 'add_phone', verificationId, code);
    if (!checked.ok) return checked;
    const added = await this.deps.storage.phones.add({ userId: user.id, phone: checked.value.target });
    return added.ok ? ok(added.value) : err({ kind: 'taken' });
  }

  async removePhone(user: User, phoneId: string): Promise<Result<void, { kind: 'not_found' }>> {
    return (await this.deps.storage.phones.remove(user.id, phoneId))
      ? ok(undefined)
      : err({ kind: 'not_found' });
  }

  // --- Codes waiting to be typed in ---

  /**
   * A code sent to this user (undefined for anyone else's, or an unknown id), and whether it can still
   * be typed in: unused, unexpired, and with guesses left.
   */
  async pendingCode(user: User, id: string): Promise<{ code: VerificationCode; live: boolean } | undefined> {
    const code = await this.deps.storage.verificationCodes.find(id);
    if (!code || code.userId !== user.id) return undefined;
    const live =
      !code.consumedAt &&
      code.expiresAt.getTime() > this.deps.clock.now().getTime() &&
      code.attempts < this.deps.verification.maxAttempts;
    return { code, live };
  }

  /** Sends a fresh code to the target of a pending one (the first never arrived, or was mistyped). */
  async resend(
    user: User,
    purpose: 'add_email' | 'add_phone',
    id: string,
    language: string,
  ): Promise<Result<VerificationCode, { kind: 'not_found' } | { kind: 'throttled' }>> {
    const code = await this.deps.storage.verificationCodes.find(id);
    if (!code || code.userId !== user.id || code.purpose !== purpose || code.consumedAt)
      return err({ kind: 'not_found' });
    const sent = await this.#send(
      user,
      purpose,
      purpose === 'add_phone' ? 'sms' : 'email',
      code.target,
      language,
    );
    return sent.ok ? sent : err({ kind: 'throttled' });
  }

  async #send(
    user: User,
    purpose: 'add_email' | 'add_phone',
    channel: 'email' | 'sms',
    target: string,
    language: string,
  ): Promise<Result<VerificationCode, StartVerificationProblem>> {
    if (!this.#sends.take(user.id).ok) return err({ kind: 'throttled' });
    const sent = await this.deps.verification.send({
      purpose,
      channel,
      target,
      userId: user.id,
      context: null,
      language,
    });
    return sent.ok ? sent : err({ kind: 'throttled' });
  }

  async #check(
    user: User,
    purpose: 'add_email' | 'add_phone',
    id: string,
    code: string,
  ): Promise<Result<VerificationCode, FinishVerificationProblem>> {
    if (!this.#checks.take(user.id).ok) return err({ kind: 'rate_limited' });
    return this.deps.verification.check({ id, code, purpose, userId: user.id, context: null });
  }

  // --- Password ---

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
  async changePassword(
    user: User,
    input: {
      current: string;
      next: string;
      confirmation: string;
      language: string;
      allowAttempt: () => PasswordAttempt | undefined;
    },
  ): Promise<Result<void, ChangePasswordProblem>> {
    if (!this.options.passwordsEnabled) return err({ kind: 'passwords_disabled' });
    const { storage, hasher, users, messages } = this.deps;
    if (!(await storage.passwords.active(user.id))) return err({ kind: 'no_password' });
    if (input.next !== input.confirmation) return err({ kind: 'mismatch' });
    const emails = await storage.emails.listForUser(user.id);
    const complexity = checkPasswordComplexity(input.next, this.options.minimumComplexity, [
      user.localpart,
      user.displayName ?? '',
      ...emails.map((e) => e.email),
    ]);
    if (!complexity.ok) return err({ kind: 'weak_password', reason: complexity.error.reason });
    const attempt = input.allowAttempt();
    if (!attempt) return err({ kind: 'rate_limited' });
    if (input.current.length > MAX_PASSWORD_LENGTH) return err({ kind: 'wrong_password' });
    const checked = await users.checkPassword(user.localpart, input.current);
    if (!checked.ok) return err({ kind: 'wrong_password' });
    attempt.succeeded();
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

  // --- Where the user is signed in ---

  /**
   * The browsers signed in to mxauth as this user. A row whose engine session is gone (signed out,
   * expired, or now another account's) is finished on the way, so the list only shows live ones.
   */
  async listBrowserSessions(user: User): Promise<BrowserSession[]> {
    const { storage } = this.deps;
    const live: BrowserSession[] = [];
    for (const row of await storage.browserSessions.listForUser(user.id, { active: true })) {
      const record = await storage.oauthRecords.findByUid('Session', row.id);
      if (record && record.accountId === user.id) live.push(row);
      else await storage.browserSessions.finish(row.id);
    }
    return live;
  }

  /** Signs one browser out: its engine session is destroyed, so its next request is signed out. */
  async endBrowserSession(user: User, uid: string): Promise<Result<void, { kind: 'not_found' }>> {
    const found = await this.deps.storage.transaction(async (tx) => {
      const row = await tx.browserSessions.find(uid);
      if (!row || row.userId !== user.id || row.finishedAt) return false;
      await destroyEngineSession(tx, user.id, uid);
      await tx.browserSessions.finish(uid);
      return true;
    });
    return found ? ok(undefined) : err({ kind: 'not_found' });
  }

  /**
   * Signs out every device (OAuth and compatibility sessions; each device is deleted on the homeserver)
   * and every other browser, keeping only the browser asking.
   */
  async signOutEverywhereElse(
    user: User,
    keepBrowserSession: string | undefined,
  ): Promise<{ devices: number; browsers: number }> {
    const devices = await this.deps.compat.endAll(user.id);
    const browsers = await this.deps.storage.transaction(async (tx) => {
      // Every engine session of the account goes, not only the browsers the account pages have seen:
      // a browser that signed in for an app and never opened these pages must sign in again too.
      const ended = await tx.oauthRecords.revokeSessionsOfAccount(user.id, keepBrowserSession);
      for (const row of await tx.browserSessions.listForUser(user.id, { active: true }))
        if (row.id !== keepBrowserSession) await tx.browserSessions.finish(row.id);
      return ended;
    });
    return { devices, browsers };
  }

  // --- Deactivation ---

  /**
   * Deactivates the account after proving it is its owner asking: the password (limited by
   * `allowAttempt`), or, for an account without one, the username typed out. Every session ends, browsers included; `erase` also erases
   * the user's data on the homeserver.
   */
  async deactivate(
    user: User,
    input: {
      password: string;
      confirmation: string;
      erase: boolean;
      allowAttempt: () => PasswordAttempt | undefined;
    },
  ): Promise<Result<void, DeactivateProblem>> {
    if (await this.hasPassword(user)) {
      const attempt = input.allowAttempt();
      if (!attempt) return err({ kind: 'rate_limited' });
      if (input.password.length > MAX_PASSWORD_LENGTH) return err({ kind: 'wrong_password' });
      const checked = await this.deps.users.checkPassword(user.localpart, input.password);
      if (!checked.ok) return err({ kind: 'wrong_password' });
      attempt.succeeded();
    } else if (input.confirmation.trim() !== user.localpart) {
      return err({ kind: 'wrong_confirmation' });
    }
    await this.deps.users.deactivate(user.localpart, { erase: input.erase });
    // The engine's sessions went with the account's records; the rows saying where they were go too.
    for (const row of await this.deps.storage.browserSessions.listForUser(user.id, { active: true }))
      await this.deps.storage.browserSessions.finish(row.id);
    return ok(undefined);
  }
}

/** Destroys the engine's browser session `uid` when it is this user's (found by uid, destroyed by id). */
async function destroyEngineSession(tx: Repositories, userId: string, uid: string): Promise<void> {
  const record = await tx.oauthRecords.findByUid('Session', uid);
  if (record && record.accountId === userId) await tx.oauthRecords.destroy('Session', record.idHash);
}

/** The address mail goes to: the primary one when verified, else the oldest verified one. */
export function primaryVerifiedEmail(emails: UserEmail[]): UserEmail | undefined {
  return emails.find((e) => e.primary && e.confirmedAt) ?? emails.find((e) => e.confirmedAt);
}

/**
 * The OpenID contact claims for a user and the scopes granted: `email`/`email_verified` from the
 * primary verified address, `phone_number`/`phone_number_verified` from the oldest verified number.
 * Unverified ones are never claimed, so `*_verified` is always true when present.
 */
export async function contactClaims(
  storage: Pick<Repositories, 'emails' | 'phones'>,
  userId: string,
  scopes: ReadonlySet<string>,
): Promise<Record<string, unknown>> {
  const claims: Record<string, unknown> = {};
  if (scopes.has('email')) {
    const email = primaryVerifiedEmail(await storage.emails.listForUser(userId));
    if (email) Object.assign(claims, { email: email.email, email_verified: true });
  }
  if (scopes.has('phone')) {
    const phone = (await storage.phones.listForUser(userId)).find((p) => p.confirmedAt);
    if (phone) Object.assign(claims, { phone_number: phone.phone, phone_number_verified: true });
  }
  return claims;
}

/**
 * A phone number in E.164 (`+` and 8 to 15 digits, no leading zero), from what a person types:
 * spaces, dashes, dots, slashes and parentheses are dropped, and a leading `00` stands for `+`.
 */
export function normalisePhoneNumber(input: string): Result<string, PhoneProblem> {
  const trimmed = input.trim();
  if (trimmed === '') return err({ kind: 'empty' });
  const compact = trimmed.replace(/[\s\-.()/\u00a0]/g, '');
  const international = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  if (!/^\+?\d*$/.test(international)) return err({ kind: 'bad_characters' });
  if (!international.startsWith('+') || international.startsWith('+0'))
    return err({ kind: 'no_country_code' });
  const digits = international.slice(1);
  if (digits.length < 8 || digits.length > 15) return err({ kind: 'wrong_length' });
  return ok(`+${digits}`);
}
