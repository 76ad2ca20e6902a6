import { validateDisplayName } from '../../domain/display-name.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { User } from '../../domain/user.js';
import type { AccountSettingsDependencies } from './deps.js';

export type DisplayNameProblem = { kind: 'empty' } | { kind: 'too_long' } | { kind: 'control_characters' };

/** The display name, here and (through the outbox) on the homeserver. */
export async function setDisplayName(
  deps: Pick<AccountSettingsDependencies, 'storage' | 'outbox'>,
  user: User,
  input: string,
): Promise<Result<User, DisplayNameProblem>> {
  const valid = validateDisplayName(input);
  if (!valid.ok) return err({ kind: valid.error });
  const name = valid.value;
  const { storage, outbox } = deps;
  const updated = await storage.transaction(async (tx) => {
    const changed = await tx.users.setDisplayName(user.id, name);
    await outbox.enqueue(tx, user.id, { kind: 'set_displayname', userId: user.id });
    return changed;
  });
  outbox.wake();
  return ok(updated ?? { ...user, displayName: name });
}
