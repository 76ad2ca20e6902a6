import type { Command } from 'commander';
import { userStatus } from '../../../domain/user.js';
import { withServices } from '../../context.js';
import { CliError, type CliIo } from '../../io.js';
import {
  CONFIG_OPTION,
  LOCALPART_ARGUMENT,
  passwordFrom,
  positiveInteger,
  toLocalpart,
} from './arguments.js';
import { formatTable, shortTime } from './output.js';
import { describeRegisterProblem } from './problems.js';

export function registerUserCommand(manage: Command, io: CliIo): void {
  manage
    .command('register-user')
    .description('Create an account (email addresses given here count as verified)')
    .argument(...LOCALPART_ARGUMENT)
    .option(...CONFIG_OPTION)
    .option('-p, --password <password>', 'password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('-e, --email <email>', 'email address')
    .option('-d, --display-name <name>', 'display name')
    .option('--admin', 'allow the user to request admin access to the homeserver')
    .option('--ignore-password-complexity', 'accept a password below passwords.minimum_complexity')
    .action(async (input: string, options) => {
      const password = await passwordFrom(io, options, false);
      await withServices(io, options.config, async ({ users }, config) => {
        const localpart = toLocalpart(input, config.matrix.homeserver);
        const result = await users.register({
          localpart,
          password,
          email: options.email,
          displayName: options.displayName,
          canRequestAdmin: options.admin ?? false,
          ignoreComplexity: options.ignorePasswordComplexity ?? false,
        });
        if (!result.ok)
          throw new CliError(`cannot register ${localpart}: ${describeRegisterProblem(result.error)}`);
        io.out(
          `registered @${localpart}:${config.matrix.homeserver}${password === undefined ? ' (no password: it can sign in only through an upstream provider until one is set)' : ''}\n`,
        );
      });
    });
}

export function listUsersCommand(manage: Command, io: CliIo): void {
  manage
    .command('list-users')
    .description('List accounts, by localpart')
    .option(...CONFIG_OPTION)
    .option('--json', 'one JSON object per line instead of a table')
    .option('--limit <n>', 'at most this many', (v) => positiveInteger(v, '--limit'), 1000)
    .option('--after <localpart>', 'start after this localpart (for paging)')
    .action(async (options) => {
      await withServices(io, options.config, async ({ users }) => {
        const rows = await users.list({ after: options.after, limit: options.limit });
        if (options.json) {
          for (const { user, emails } of rows) {
            io.out(
              `${JSON.stringify({
                localpart: user.localpart,
                status: userStatus(user),
                can_request_admin: user.canRequestAdmin,
                display_name: user.displayName,
                emails: emails.map((e) => e.email),
                created_at: user.createdAt.toISOString(),
              })}\n`,
            );
          }
          return;
        }
        if (rows.length === 0) return io.out('no users\n');
        io.out(
          formatTable([
            ['LOCALPART', 'STATUS', 'ADMIN', 'EMAILS', 'CREATED'],
            ...rows.map(({ user, emails }) => [
              user.localpart,
              userStatus(user),
              user.canRequestAdmin ? 'yes' : 'no',
              emails.map((e) => e.email).join(',') || '-',
              shortTime(user.createdAt),
            ]),
          ]),
        );
      });
    });
}
