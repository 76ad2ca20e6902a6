import type { Command } from 'commander';
import type { Services } from '../../../compose.js';
import type { Config } from '../../../config/config.js';
import {
  describeLocalpartProblem,
  localpartFromInput,
  validateLocalpart,
} from '../../../domain/matrix-id.js';
import { withServices } from '../../context.js';
import { CliError, type CliIo, EXIT_USAGE, promptHidden, readAll } from '../../io.js';

export const CONFIG_OPTION = [
  '-c, --config <file>',
  'configuration file (default: $MXAUTH_CONFIG or config.yaml)',
] as const;

/** How a new password is given: on the command line, on standard input, or (else) asked for. */
export const PASSWORD_OPTIONS = [
  ['-p, --password <password>', 'password (visible in the process list: prefer --password-stdin)'],
  ['--password-stdin', 'read the password from standard input'],
] as const;

export const IGNORE_COMPLEXITY_OPTION = [
  '--ignore-password-complexity',
  'accept a password below passwords.minimum_complexity',
] as const;

/** A command about one account: the account's localpart, and the configuration. */
export function accountCommand(manage: Command, name: string, description: string): Command {
  return manage
    .command(name)
    .description(description)
    .argument('<localpart>', 'the user id localpart, or the full @user:server of this server')
    .option(...CONFIG_OPTION);
}

/** Runs `fn` with the services and the localpart the account argument names on this server. */
export function withAccount<T>(
  io: CliIo,
  options: { config?: string },
  input: string,
  fn: (services: Services, localpart: string, config: Config) => Promise<T>,
): Promise<T> {
  return withServices(io, options.config, (services, config) =>
    fn(services, toLocalpart(input, config.matrix.homeserver), config),
  );
}

export function toLocalpart(input: string, serverName: string): string {
  const localpart = localpartFromInput(input, serverName);
  if (!localpart.ok) throw new CliError(`${input} is not a user of this server (${serverName})`, EXIT_USAGE);
  const valid = validateLocalpart(localpart.value, serverName);
  // Existing (imported) users may have historical localparts; only reject what can never be a localpart.
  if (!valid.ok && valid.error.kind === 'empty')
    throw new CliError(describeLocalpartProblem(valid.error), EXIT_USAGE);
  return localpart.value;
}

export async function passwordFrom(
  io: CliIo,
  options: { password?: string; passwordStdin?: boolean },
  required: boolean,
): Promise<string | undefined> {
  if (options.password !== undefined && options.passwordStdin)
    throw new CliError('give --password or --password-stdin, not both', EXIT_USAGE);
  if (options.password !== undefined) return options.password;
  if (options.passwordStdin) return (await readAll(io.stdin)).replace(/\r?\n$/, '');
  if (!required) return undefined;
  const first = await promptHidden(io, 'New password: ');
  const second = await promptHidden(io, 'Repeat it: ');
  if (first !== second) throw new CliError('the two passwords differ', EXIT_USAGE);
  return first;
}

export function positiveInteger(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} needs a whole number above 0`, EXIT_USAGE);
  return n;
}
