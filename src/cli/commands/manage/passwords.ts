import type { Command } from 'commander';
import { CliError, type CliIo } from '../../io.js';
import {
  accountCommand,
  IGNORE_COMPLEXITY_OPTION,
  PASSWORD_OPTIONS,
  passwordFrom,
  withAccount,
} from './arguments.js';
import { describePasswordProblem } from './problems.js';

export function setPasswordCommand(manage: Command, io: CliIo): void {
  accountCommand(manage, 'set-password', "Set a user's password (asks for it on a terminal)")
    .option(...PASSWORD_OPTIONS[0])
    .option(...PASSWORD_OPTIONS[1])
    .option(...IGNORE_COMPLEXITY_OPTION)
    .action(async (input: string, options) => {
      const password = await passwordFrom(io, options, true);
      await withAccount(io, options, input, async ({ users }, localpart, config) => {
        const result = await users.setPassword(localpart, password!, {
          ignoreComplexity: options.ignorePasswordComplexity ?? false,
        });
        if (!result.ok) {
          const reason =
            result.error.kind === 'unknown_user' ? 'no such user' : describePasswordProblem(result.error);
          throw new CliError(`cannot set the password of ${localpart}: ${reason}`);
        }
        io.out(`password of @${localpart}:${config.matrix.homeserver} set\n`);
      });
    });
}
