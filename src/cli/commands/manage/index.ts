import type { Command } from 'commander';
import type { CliIo } from '../../io.js';
import { issueCompatibilityTokenCommand } from './compatibility-tokens.js';
import { provisionAllUsersCommand, syncDevicesCommand } from './homeserver.js';
import { jobsCommand } from './jobs.js';
import { deactivateUserCommand, lockCommands, reactivateUserCommand } from './lifecycle.js';
import { setPasswordCommand } from './passwords.js';
import { registrationTokenCommands } from './registration-tokens.js';
import { listUsersCommand, registerUserCommand } from './users.js';

/** `mxauth manage …`: one file per subject; listed here in the order `manage --help` shows them. */
export function manageCommands(program: Command, io: CliIo): void {
  const manage = program.command('manage').description('Administer accounts');
  for (const register of [
    registerUserCommand,
    setPasswordCommand,
    lockCommands,
    deactivateUserCommand,
    reactivateUserCommand,
    issueCompatibilityTokenCommand,
    provisionAllUsersCommand,
    syncDevicesCommand,
    jobsCommand,
    registrationTokenCommands,
    listUsersCommand,
  ])
    register(manage, io);
}
