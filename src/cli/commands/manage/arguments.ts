import {
  describeLocalpartProblem,
  localpartFromInput,
  validateLocalpart,
} from '../../../domain/matrix-id.js';
import { CliError, type CliIo, EXIT_USAGE, promptHidden, readAll } from '../../io.js';

export const CONFIG_OPTION = [
  '-c, --config <file>',
  'configuration file (default: $MXAUTH_CONFIG or config.yaml)',
] as const;

export const LOCALPART_ARGUMENT = [
  '<localpart>',
  'the user id localpart, or the full @user:server of this server',
] as const;

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
