import type { Command } from 'commander';
import { withServices } from '../../context.js';
import { CliError, type CliIo } from '../../io.js';
import { CONFIG_OPTION, LOCALPART_ARGUMENT, passwordFrom, toLocalpart } from './arguments.js';
import { describePasswordProblem } from './problems.js';

export function setPasswordCommand(manage: Command, io: CliIo): void {
  manage
    .command('set-password')
    .description("Set a user's password (asks for it on a terminal)")
    .argument(...LOCALPART_ARGUMENT)
    .option(...CONFIG_OPTION)
    .option('-p, --password <password>', 'password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--ignore-password-complexity', 'accept a password below passwords.minimum_complexity')
    .action(async (input: string, options) => {
      const password = await passwordFrom(io, options, true);
      await withServices(io, options.config, async ({ users }, config) => {
        const localpart = toLocalpart(input, config.matrix.homeserver);
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
