import type { VerificationCode } from '../../domain/account.js';
import { normalisePhoneNumber } from '../../domain/phone-number.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { User, UserPhone } from '../../domain/user.js';
import type { ContactCodes, FinishVerificationProblem, StartVerificationProblem } from './contact-codes.js';
import type { AccountSettingsDependencies } from './deps.js';

/** The user's phone numbers: added once a code texted there comes back. */
export class PhoneSettings {
  constructor(
    private readonly deps: Pick<AccountSettingsDependencies, 'storage'>,
    private readonly codes: ContactCodes,
  ) {}

  list(user: User): Promise<UserPhone[]> {
    return this.deps.storage.phones.listForUser(user.id);
  }

  async startAdding(
    user: User,
    input: string,
    language: string,
  ): Promise<Result<VerificationCode, StartVerificationProblem>> {
    const phone = normalisePhoneNumber(input);
    if (!phone.ok) return err({ kind: 'invalid_phone', problem: phone.error });
    if (await this.deps.storage.phones.findByNumber(phone.value)) return err({ kind: 'taken' });
    return this.codes.send(user, 'add_phone', phone.value, language);
  }

  async finishAdding(
    user: User,
    verificationId: string,
    code: string,
  ): Promise<Result<UserPhone, FinishVerificationProblem>> {
    const checked = await this.codes.check(user, 'add_phone', verificationId, code);
    if (!checked.ok) return checked;
    const added = await this.deps.storage.phones.add({ userId: user.id, phone: checked.value.target });
    return added.ok ? ok(added.value) : err({ kind: 'taken' });
  }

  async remove(user: User, phoneId: string): Promise<Result<void, { kind: 'not_found' }>> {
    return (await this.deps.storage.phones.remove(user.id, phoneId))
      ? ok(undefined)
      : err({ kind: 'not_found' });
  }
}
