import type { BrowserSession, VerificationCode } from '../domain/account.js';
import type { Result } from '../domain/result.js';
import type { User, UserEmail, UserPhone } from '../domain/user.js';
import {
  ContactCodes,
  type ContactPurpose,
  type FinishVerificationProblem,
  type StartVerificationProblem,
} from './account-settings/contact-codes.js';
import {
  type DeactivateInput,
  type DeactivateProblem,
  deactivateOwnAccount,
} from './account-settings/deactivation.js';
import type { AccountSettingsDependencies, AccountSettingsOptions } from './account-settings/deps.js';
import { EmailSettings, type RemoveEmailProblem } from './account-settings/emails.js';
import {
  type ChangePasswordInput,
  type ChangePasswordProblem,
  PasswordSettings,
} from './account-settings/password.js';
import { PhoneSettings } from './account-settings/phones.js';
import { type DisplayNameProblem, setDisplayName } from './account-settings/profile.js';
import { SessionSettings } from './account-settings/sessions.js';

export type { PhoneProblem } from '../domain/phone-number.js';
export type {
  FinishVerificationProblem,
  StartVerificationProblem,
} from './account-settings/contact-codes.js';
export type { DeactivateInput, DeactivateProblem } from './account-settings/deactivation.js';
export type {
  AccountSettingsDependencies,
  AccountSettingsOptions,
  PasswordAttempt,
} from './account-settings/deps.js';
export type { RemoveEmailProblem } from './account-settings/emails.js';
export type { ChangePasswordInput, ChangePasswordProblem } from './account-settings/password.js';
export type { DisplayNameProblem } from './account-settings/profile.js';
export { contactClaims } from './contact-claims.js';

/**
 * What a signed-in person may change about their own account: display name, addresses, phone numbers,
 * password, where they are signed in, and whether the account exists at all; one part per subject in
 * account-settings/. Each change and the homeserver jobs or mail it causes are one transaction.
 */
export class AccountSettings {
  readonly #codes: ContactCodes;
  readonly #emails: EmailSettings;
  readonly #phones: PhoneSettings;
  readonly #password: PasswordSettings;
  readonly #sessions: SessionSettings;

  constructor(
    private readonly deps: AccountSettingsDependencies,
    options: AccountSettingsOptions,
  ) {
    this.#codes = new ContactCodes(deps, options.codeLimits);
    this.#emails = new EmailSettings(deps, this.#codes, options);
    this.#phones = new PhoneSettings(deps, this.#codes);
    this.#password = new PasswordSettings(deps, options);
    this.#sessions = new SessionSettings(deps);
  }

  setDisplayName(user: User, input: string): Promise<Result<User, DisplayNameProblem>> {
    return setDisplayName(this.deps, user, input);
  }

  // --- Email addresses (account-settings/emails.ts) ---

  listEmails(user: User): Promise<UserEmail[]> {
    return this.#emails.list(user);
  }
  startAddingEmail(
    user: User,
    input: string,
    language: string,
  ): Promise<Result<VerificationCode, StartVerificationProblem>> {
    return this.#emails.startAdding(user, input, language);
  }
  finishAddingEmail(
    user: User,
    verificationId: string,
    code: string,
  ): Promise<Result<UserEmail, FinishVerificationProblem>> {
    return this.#emails.finishAdding(user, verificationId, code);
  }
  setPrimaryEmail(user: User, emailId: string): Promise<Result<UserEmail, { kind: 'not_found' }>> {
    return this.#emails.setPrimary(user, emailId);
  }
  removeEmail(user: User, emailId: string): Promise<Result<UserEmail, RemoveEmailProblem>> {
    return this.#emails.remove(user, emailId);
  }
  isRequiredEmail(emails: UserEmail[], email: UserEmail): boolean {
    return this.#emails.isRequired(emails, email);
  }

  // --- Phone numbers (account-settings/phones.ts) ---

  listPhones(user: User): Promise<UserPhone[]> {
    return this.#phones.list(user);
  }
  startAddingPhone(
    user: User,
    input: string,
    language: string,
  ): Promise<Result<VerificationCode, StartVerificationProblem>> {
    return this.#phones.startAdding(user, input, language);
  }
  finishAddingPhone(
    user: User,
    verificationId: string,
    code: string,
  ): Promise<Result<UserPhone, FinishVerificationProblem>> {
    return this.#phones.finishAdding(user, verificationId, code);
  }
  removePhone(user: User, phoneId: string): Promise<Result<void, { kind: 'not_found' }>> {
    return this.#phones.remove(user, phoneId);
  }

  // --- Codes waiting to be typed in (account-settings/contact-codes.ts) ---

  pendingCode(user: User, id: string): Promise<{ code: VerificationCode; live: boolean } | undefined> {
    return this.#codes.pending(user, id);
  }
  resend(
    user: User,
    purpose: ContactPurpose,
    id: string,
    language: string,
  ): Promise<Result<VerificationCode, { kind: 'not_found' } | { kind: 'throttled'; retryAfterMs?: number }>> {
    return this.#codes.resend(user, purpose, id, language);
  }

  // --- Password (account-settings/password.ts) ---

  hasPassword(user: User): Promise<boolean> {
    return this.#password.hasPassword(user);
  }
  changePassword(user: User, input: ChangePasswordInput): Promise<Result<void, ChangePasswordProblem>> {
    return this.#password.change(user, input);
  }

  // --- Where the user is signed in (account-settings/sessions.ts) ---

  listBrowserSessions(user: User): Promise<BrowserSession[]> {
    return this.#sessions.listBrowserSessions(user);
  }
  endBrowserSession(user: User, uid: string): Promise<Result<void, { kind: 'not_found' }>> {
    return this.#sessions.endBrowserSession(user, uid);
  }
  signOutEverywhereElse(
    user: User,
    keepBrowserSession: string | undefined,
  ): Promise<{ devices: number; browsers: number }> {
    return this.#sessions.signOutEverywhereElse(user, keepBrowserSession);
  }

  // --- Deactivation (account-settings/deactivation.ts) ---

  deactivate(user: User, input: DeactivateInput): Promise<Result<void, DeactivateProblem>> {
    return deactivateOwnAccount(
      {
        users: this.deps.users,
        signIn: this.deps.signIn,
        password: this.#password,
        sessions: this.#sessions,
      },
      user,
      input,
    );
  }
}
