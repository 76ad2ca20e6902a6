import type { Command } from 'commander';
import { userStatus } from '../../../domain/user.js';
import { withServices } from '../../context.js';
import { CliError, type CliIo } from '../../io.js';
import {
  accountCommand,
  CONFIG_OPTION,
  IGNORE_COMPLEXITY_OPTION,
  PASSWORD_OPTIONS,
  passwordFrom,
  positiveInteger,
  withAccount,
} from './arguments.js';
import { formatTable, shortTime } from './output.js';
import { describeRegisterProblem } from './problems.js';

export function registerUserCommand(manage: Command, io: CliIo): void {
  accountCommand(manage, 'register-user', 'Create an account (email addresses given here count as verified)')
    .option(...PASSWORD_OPTIONS[0])
    .option(...PASSWORD_OPTIONS[1])
    .option('-e, --email <email>', 'email address')
    .option('-d, --display-name <name>', 'display name')
    .option('--admin', 'allow the user to request admin access to the homeserver')
    .option(...IGNORE_COMPLEXITY_OPTION)
    .action(async (input: string, options) => {
      const password = await passwordFrom(io, options, false);
      await withAccount(io, options, input, async ({ users }, localpart, config) => {
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
