import type { Command } from 'commander';
import { withServices } from '../../context.js';
import { CliError, type CliIo } from '../../io.js';
import { CONFIG_OPTION, toLocalpart } from './arguments.js';
import { homeserverNote } from './output.js';

export function provisionAllUsersCommand(manage: Command, io: CliIo): void {
  manage
    .command('provision-all-users')
    .description('Tell the homeserver the current state of every account (after a restore or a migration)')
    .option(...CONFIG_OPTION)
    .action(async (options) => {
      await withServices(io, options.config, async ({ users, homeserver }) => {
        const count = await users.provisionAll();
        io.out(`${count} user(s) queued for provisioning${homeserverNote(homeserver)}\n`);
      });
    });
}

export function syncDevicesCommand(manage: Command, io: CliIo): void {
  manage
    .command('sync-devices')
    .description("Make the homeserver's device lists match the live sessions (one user, or everyone)")
    .argument('[localpart]', 'only this user')
    .option(...CONFIG_OPTION)
    .action(async (input: string | undefined, options) => {
      await withServices(io, options.config, async ({ users, homeserver }, config) => {
        const localpart = input === undefined ? undefined : toLocalpart(input, config.matrix.homeserver);
        const result = await users.syncDevices(localpart);
        if (!result.ok) throw new CliError(`cannot sync the devices of ${localpart}: no such user`);
        io.out(`${result.value} user(s) queued for a device sync${homeserverNote(homeserver)}\n`);
      });
    });
}
