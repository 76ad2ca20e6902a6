import type { VerificationCode } from '../../domain/account.js';
import { validateEmail } from '../../domain/email.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { User, UserEmail } from '../../domain/user.js';
import type { ContactCodes, FinishVerificationProblem, StartVerificationProblem } from './contact-codes.js';
import type { AccountSettingsDependencies, AccountSettingsOptions } from './deps.js';

export type RemoveEmailProblem = { kind: 'not_found' } | { kind: 'last_verified' };

/** The user's email addresses: added once a code sent there comes back, one of them primary. */
export class EmailSettings {
  constructor(
    private readonly deps: Pick<AccountSettingsDependencies, 'storage' | 'outbox'>,
    private readonly codes: ContactCodes,
    private readonly options: Pick<AccountSettingsOptions, 'verifiedEmailRequired'>,
  ) {}

  list(user: User): Promise<UserEmail[]> {
    return this.deps.storage.emails.listForUser(user.id);
  }

  /** Sends a code to an address the user wants to add; it is added once the code comes back. */
  async startAdding(
    user: User,
    input: string,
    language: string,
  ): Promise<Result<VerificationCode, StartVerificationProblem>> {
    const valid = validateEmail(input);
    if (!valid.ok) return err({ kind: 'invalid_email', reason: valid.error });
    if (await this.deps.storage.emails.findByAddress(valid.value)) return err({ kind: 'taken' });
    return this.codes.send(user, 'add_email', valid.value, language);
  }

  async finishAdding(
    user: User,
    verificationId: string,
    code: string,
  ): Promise<Result<UserEmail, FinishVerificationProblem>> {
    const checked = await this.codes.check(user, 'add_email', verificationId, code);
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
  async setPrimary(user: User, emailId: string): Promise<Result<UserEmail, { kind: 'not_found' }>> {
    const email = await this.deps.storage.emails.findById(emailId);
    if (!email || email.userId !== user.id || !email.confirmedAt) return err({ kind: 'not_found' });
    await this.deps.storage.emails.setPrimary(user.id, email.id);
    return ok(email);
  }

  async remove(user: User, emailId: string): Promise<Result<UserEmail, RemoveEmailProblem>> {
    const { storage, outbox } = this.deps;
    const removed = await storage.transaction(async (tx): Promise<Result<UserEmail, RemoveEmailProblem>> => {
      const emails = await tx.emails.listForUser(user.id);
      const email = emails.find((e) => e.id === emailId);
      if (!email) return err({ kind: 'not_found' });
      if (this.isRequired(emails, email)) return err({ kind: 'last_verified' });
      await tx.emails.remove(user.id, email.id);
      await outbox.enqueue(tx, user.id, { kind: 'provision_user', userId: user.id });
      return ok(email);
    });
    if (removed.ok) outbox.wake();
    return removed;
  }

  /** Whether removing this address is refused because it is the last verified one (see the options). */
  isRequired(emails: UserEmail[], email: UserEmail): boolean {
    return (
      this.options.verifiedEmailRequired &&
      email.confirmedAt !== null &&
      emails.filter((e) => e.confirmedAt !== null).length === 1
    );
  }
}
