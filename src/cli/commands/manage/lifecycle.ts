import type { Command } from 'commander';
import { CliError, type CliIo } from '../../io.js';
import { accountCommand, withAccount } from './arguments.js';
import { homeserverNote } from './output.js';

export function lockCommands(manage: Command, io: CliIo): void {
  for (const [name, locked] of [
    ['lock-user', true],
    ['unlock-user', false],
  ] as const) {
    accountCommand(
      manage,
      name,
      locked ? 'Lock an account: it can no longer sign in' : 'Unlock a locked account',
    ).action(async (input: string, options) => {
      await withAccount(io, options, input, async ({ users }, localpart, config) => {
        const result = await users.setLocked(localpart, locked);
        if (!result.ok) throw new CliError(`cannot ${name.split('-')[0]} ${localpart}: no such user`);
        io.out(`@${localpart}:${config.matrix.homeserver} ${locked ? 'locked' : 'unlocked'}\n`);
      });
    });
  }
}

export function deactivateUserCommand(manage: Command, io: CliIo): void {
  accountCommand(
    manage,
    'deactivate-user',
    'Deactivate an account: its sessions end now, and the homeserver deactivates the user',
  )
    .option('--erase', "also erase the user's data on the homeserver (GDPR erasure)")
    .action(async (input: string, options) => {
      await withAccount(io, options, input, async ({ users, homeserver }, localpart, config) => {
        const result = await users.deactivate(localpart, { erase: options.erase ?? false });
        if (!result.ok) throw new CliError(`cannot deactivate ${localpart}: no such user`);
        io.out(
          `@${localpart}:${config.matrix.homeserver} deactivated, ${result.value.sessionsEnded} session(s) ended${homeserverNote(homeserver)}\n`,
        );
      });
    });
}

export function reactivateUserCommand(manage: Command, io: CliIo): void {
  accountCommand(
    manage,
    'reactivate-user',
    'Reactivate a deactivated account (here and on the homeserver)',
  ).action(async (input: string, options) => {
    await withAccount(io, options, input, async ({ users, homeserver }, localpart, config) => {
      const result = await users.reactivate(localpart);
      if (!result.ok) throw new CliError(`cannot reactivate ${localpart}: no such user`);
      io.out(`@${localpart}:${config.matrix.homeserver} reactivated${homeserverNote(homeserver)}\n`);
    });
  });
}
