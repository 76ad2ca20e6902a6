import type { Command } from 'commander';
import { withServices } from '../../context.js';
import { CliError, type CliIo } from '../../io.js';
import { CONFIG_OPTION, LOCALPART_ARGUMENT, toLocalpart } from './arguments.js';
import { homeserverNote } from './output.js';

export function lockCommands(manage: Command, io: CliIo): void {
  for (const [name, locked] of [
    ['lock-user', true],
    ['unlock-user', false],
  ] as const) {
    manage
      .command(name)
      .description(locked ? 'Lock an account: it can no longer sign in' : 'Unlock a locked account')
      .argument(...LOCALPART_ARGUMENT)
      .option(...CONFIG_OPTION)
      .action(async (input: string, options) => {
        await withServices(io, options.config, async ({ users }, config) => {
          const localpart = toLocalpart(input, config.matrix.homeserver);
          const result = await users.setLocked(localpart, locked);
          if (!result.ok) throw new CliError(`cannot ${name.split('-')[0]} ${localpart}: no such user`);
          io.out(`@${localpart}:${config.matrix.homeserver} ${locked ? 'locked' : 'unlocked'}\n`);
        });
      });
  }
}

export function deactivateUserCommand(manage: Command, io: CliIo): void {
  manage
    .command('deactivate-user')
    .description('Deactivate an account: its sessions end now, and the homeserver deactivates the user')
    .argument(...LOCALPART_ARGUMENT)
    .option(...CONFIG_OPTION)
    .option('--erase', "also erase the user's data on the homeserver (GDPR erasure)")
    .action(async (input: string, options) => {
      await withServices(io, options.config, async ({ users, homeserver }, config) => {
        const localpart = toLocalpart(input, config.matrix.homeserver);
        const result = await users.deactivate(localpart, { erase: options.erase ?? false });
        if (!result.ok) throw new CliError(`cannot deactivate ${localpart}: no such user`);
        io.out(
          `@${localpart}:${config.matrix.homeserver} deactivated, ${result.value.sessionsEnded} session(s) ended${homeserverNote(homeserver)}\n`,
        );
      });
    });
}

export function reactivateUserCommand(manage: Command, io: CliIo): void {
  manage
    .command('reactivate-user')
    .description('Reactivate a deactivated account (here and on the homeserver)')
    .argument(...LOCALPART_ARGUMENT)
    .option(...CONFIG_OPTION)
    .action(async (input: string, options) => {
      await withServices(io, options.config, async ({ users, homeserver }, config) => {
        const localpart = toLocalpart(input, config.matrix.homeserver);
        const result = await users.reactivate(localpart);
        if (!result.ok) throw new CliError(`cannot reactivate ${localpart}: no such user`);
        io.out(`@${localpart}:${config.matrix.homeserver} reactivated${homeserverNote(homeserver)}\n`);
      });
    });
}
