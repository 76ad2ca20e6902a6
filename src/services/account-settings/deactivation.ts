import { err, ok, type Result } from '../../domain/result.js';
import type { User } from '../../domain/user.js';
import { type AccountSettingsDependencies, type PasswordAttempt, proveOwnPassword } from './deps.js';
import type { PasswordSettings } from './password.js';
import type { SessionSettings } from './sessions.js';

export type DeactivateProblem =
  | { kind: 'wrong_password' }
  | { kind: 'wrong_confirmation' }
  | { kind: 'rate_limited' };

export interface DeactivateInput {
  password: string;
  /** The username typed out, for an account without a password. */
  confirmation: string;
  erase: boolean;
  allowAttempt: () => PasswordAttempt | undefined;
}

/**
 * Deactivates the account after proving it is its owner asking: the password (limited by
 * `allowAttempt`), or, for an account without one, the username typed out. Every session ends,
 * browsers included; `erase` also erases the user's data on the homeserver.
 */
export async function deactivateOwnAccount(
  deps: Pick<AccountSettingsDependencies, 'users' | 'signIn'> & {
    password: PasswordSettings;
    sessions: SessionSettings;
  },
  user: User,
  input: DeactivateInput,
): Promise<Result<void, DeactivateProblem>> {
  if (await deps.password.hasPassword(user)) {
    const proof = await proveOwnPassword(deps.signIn, user, input.password, input.allowAttempt);
    if (proof !== 'proven') return err({ kind: proof });
  } else if (input.confirmation.trim() !== user.localpart) {
    return err({ kind: 'wrong_confirmation' });
  }
  await deps.users.deactivate(user.localpart, { erase: input.erase });
  // The engine's sessions went with the account's records; the rows saying where they were go too.
  await deps.sessions.finishAllBrowserSessions(user);
  return ok(undefined);
}
