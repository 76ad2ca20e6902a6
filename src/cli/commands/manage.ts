import type { Command } from 'commander';
import { systemClock } from '../../domain/clock.js';
import { describeLocalpartProblem, localpartFromInput, validateLocalpart } from '../../domain/matrix-id.js';
import { describeScopeProblem, deviceScope, parseMatrixScope } from '../../domain/matrix-scopes.js';
import { cryptoRng } from '../../domain/random.js';
import { userStatus } from '../../domain/user.js';
import type { HomeserverConnector } from '../../homeserver/connector.js';
import {
  REGISTRATION_TOKEN_PATTERN,
  RegistrationTokenService,
  registrationTokenState,
} from '../../services/registration-tokens.js';
import { describeRegisterProblem, type PasswordProblem } from '../../services/users.js';
import { withServices } from '../context.js';
import { CliError, type CliIo, EXIT_USAGE, promptHidden, readAll } from '../io.js';

const CONFIG_OPTION = [
  '-c, --config <file>',
  'configuration file (default: $MXAUTH_CONFIG or config.yaml)',
] as const;

export function manageCommands(program: Command, io: CliIo): void {
  const manage = program.command('manage').description('Administer accounts');

  manage
    .command('register-user')
    .description('Create an account (email addresses given here count as verified)')
    .argument('<localpart>', 'the user id localpart, or the full @user:server of this server')
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

  manage
    .command('set-password')
    .description("Set a user's password (asks for it on a terminal)")
    .argument('<localpart>', 'the user id localpart, or the full @user:server of this server')
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

  for (const [name, locked] of [
    ['lock-user', true],
    ['unlock-user', false],
  ] as const) {
    manage
      .command(name)
      .description(locked ? 'Lock an account: it can no longer sign in' : 'Unlock a locked account')
      .argument('<localpart>', 'the user id localpart, or the full @user:server of this server')
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

  manage
    .command('deactivate-user')
    .description('Deactivate an account: its sessions end now, and the homeserver deactivates the user')
    .argument('<localpart>', 'the user id localpart, or the full @user:server of this server')
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

  manage
    .command('reactivate-user')
    .description('Reactivate a deactivated account (here and on the homeserver)')
    .argument('<localpart>', 'the user id localpart, or the full @user:server of this server')
    .option(...CONFIG_OPTION)
    .action(async (input: string, options) => {
      await withServices(io, options.config, async ({ users, homeserver }, config) => {
        const localpart = toLocalpart(input, config.matrix.homeserver);
        const result = await users.reactivate(localpart);
        if (!result.ok) throw new CliError(`cannot reactivate ${localpart}: no such user`);
        io.out(`@${localpart}:${config.matrix.homeserver} reactivated${homeserverNote(homeserver)}\n`);
      });
    });

  manage
    .command('issue-compatibility-token')
    .description(
      'Sign a user in for a bot or a script: prints a compatibility access token (it does not expire) once',
    )
    .argument('<localpart>', 'the user id localpart, or the full @user:server of this server')
    .option(...CONFIG_OPTION)
    .option(
      '--device-id <id>',
      'device id of the session (a new random one when absent; an existing one is taken over)',
    )
    .option('--admin', 'give the token admin access to the homeserver (urn:synapse:admin:*)')
    .option('--yes-i-want-admin', 'confirm --admin')
    .action(async (input: string, options) => {
      if (options.admin && !options.yesIWantAdmin)
        throw new CliError(
          '--admin makes a token with full admin access to the homeserver (every user, room and setting), which never expires: confirm with --yes-i-want-admin',
          EXIT_USAGE,
        );
      if (!options.admin && options.yesIWantAdmin)
        throw new CliError('--yes-i-want-admin confirms --admin, which is missing', EXIT_USAGE);
      const deviceId = options.deviceId as string | undefined;
      // A device id must fit in a device scope: one scope token (RFC 6749 §3.3 characters), no spaces.
      if (deviceId !== undefined && (/\s/.test(deviceId) || !parseMatrixScope(deviceScope(deviceId)).ok))
        throw new CliError(
          `--device-id: ${describeScopeProblem({ kind: 'invalid_device_id', deviceId })}`,
          EXIT_USAGE,
        );
      await withServices(io, options.config, async ({ storage, compat }, config) => {
        const localpart = toLocalpart(input, config.matrix.homeserver);
        const user = await storage.users.findByLocalpart(localpart);
        if (!user) throw new CliError(`cannot issue a token for ${localpart}: no such user`);
        const status = userStatus(user);
        if (status !== 'active')
          throw new CliError(`cannot issue a token for ${localpart}: the account is ${status}`);
        const isAdmin = options.admin === true;
        const result = await compat.login({
          user,
          ...(deviceId === undefined ? {} : { deviceId }),
          refresh: false,
          origin: 'cli',
          isAdmin,
          ip: null,
          userAgent: 'mxauth manage issue-compatibility-token',
        });
        if (!result.ok) {
          const reason =
            result.error.kind === 'homeserver_unavailable'
              ? `the homeserver did not create the device (${result.error.error})`
              : result.error.kind;
          throw new CliError(`cannot issue a token for ${localpart}: ${reason}`);
        }
        const { session, accessToken } = result.value;
        io.out(`${accessToken}\n`);
        io.err(
          `compatibility token for @${localpart}:${config.matrix.homeserver}, device ${session.deviceId}${isAdmin ? ', WITH ADMIN ACCESS to the homeserver' : ''}; it does not expire: store it now, it is not shown again\n`,
        );
      });
    });

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

  manage
    .command('jobs')
    .description('List the outbox jobs not yet delivered (pending, running, failed); retry failed ones')
    .option(...CONFIG_OPTION)
    .option('--retry <id>', 'make a failed job pending again ("all" for every failed job)')
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (options) => {
      await withServices(io, options.config, async ({ storage }) => {
        if (options.retry !== undefined) {
          const ids =
            options.retry === 'all'
              ? (await storage.jobs.list({ states: ['failed'], limit: 100_000 })).map((j) => j.id)
              : [options.retry as string];
          let retried = 0;
          for (const id of ids) if (await storage.jobs.retry(id)) retried++;
          if (options.retry !== 'all' && retried === 0)
            throw new CliError(`no failed job ${options.retry as string}`);
          return io.out(`${retried} job(s) pending again; the running mxauth server delivers them\n`);
        }
        const jobs = await storage.jobs.list({ states: ['pending', 'running', 'failed'], limit: 1000 });
        if (options.json) {
          for (const job of jobs)
            io.out(
              `${JSON.stringify({
                id: job.id,
                queue: job.queue,
                kind: job.kind,
                state: job.state,
                attempts: job.attempts,
                run_at: job.runAt.toISOString(),
                last_error: job.lastError,
                payload: job.payload,
              })}\n`,
            );
          return;
        }
        if (jobs.length === 0) return io.out('no jobs waiting: the outbox is empty\n');
        io.out(
          formatTable([
            ['ID', 'QUEUE', 'KIND', 'STATE', 'TRIES', 'NEXT TRY', 'LAST ERROR'],
            ...jobs.map((job) => [
              job.id,
              job.queue,
              job.kind,
              job.state,
              String(job.attempts),
              job.state === 'failed' ? '-' : job.runAt.toISOString().slice(0, 19).replace('T', ' '),
              job.lastError ?? '-',
            ]),
          ]),
        );
      });
    });

  manage
    .command('issue-registration-token')
    .description(
      'Create a registration token (for account.registration_token_required); prints it once, as only its hash is stored',
    )
    .option(...CONFIG_OPTION)
    .option('--token <token>', 'the token to accept (1–64 of A-Z a-z 0-9 . _ ~ -; a random one when absent)')
    .option('--usage-limit <n>', 'how many registrations it allows (no limit when absent)', (v) =>
      positiveInteger(v, '--usage-limit'),
    )
    .option('--expires-in <seconds>', 'how long it stays valid (for ever when absent)', (v) =>
      positiveInteger(v, '--expires-in'),
    )
    .action(async (options) => {
      const token = options.token as string | undefined;
      if (token !== undefined && !REGISTRATION_TOKEN_PATTERN.test(token))
        throw new CliError('--token: use 1 to 64 of the characters A-Z a-z 0-9 . _ ~ -', EXIT_USAGE);
      await withServices(io, options.config, async ({ storage }, config) => {
        const tokens = new RegistrationTokenService(storage, { clock: systemClock, rng: cryptoRng });
        const issued = await tokens.issue({
          ...(token === undefined ? {} : { token }),
          ...(options.usageLimit === undefined ? {} : { usageLimit: options.usageLimit as number }),
          ...(options.expiresIn === undefined ? {} : { expiresInSeconds: options.expiresIn as number }),
        });
        if (!issued.ok)
          throw new CliError(
            issued.error.kind === 'taken'
              ? 'this token exists already'
              : 'the token has characters that are not allowed',
          );
        const { record } = issued.value;
        io.out(`${issued.value.token}\n`);
        io.err(
          `registration token ${record.id}: ${record.usageLimit === null ? 'unlimited uses' : `${record.usageLimit} use(s)`}, ${record.expiresAt ? `valid until ${record.expiresAt.toISOString()}` : 'no expiry'}; store it now, it is not shown again${config.account.registration_token_required ? '' : ' (account.registration_token_required is off: registration does not ask for tokens)'}\n`,
        );
      });
    });

  manage
    .command('list-registration-tokens')
    .description('List registration tokens: their id, uses and state (the tokens themselves are not stored)')
    .option(...CONFIG_OPTION)
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (options) => {
      await withServices(io, options.config, async ({ storage }) => {
        const tokens = await new RegistrationTokenService(storage, {
          clock: systemClock,
          rng: cryptoRng,
        }).list();
        const now = new Date();
        const iso = (d: Date | null) => (d ? d.toISOString() : null);
        if (options.json) {
          for (const token of tokens)
            io.out(
              `${JSON.stringify({
                id: token.id,
                state: registrationTokenState(token, now),
                times_used: token.timesUsed,
                usage_limit: token.usageLimit,
                created_at: iso(token.createdAt),
                expires_at: iso(token.expiresAt),
                last_used_at: iso(token.lastUsedAt),
                revoked_at: iso(token.revokedAt),
              })}\n`,
            );
          return;
        }
        if (tokens.length === 0) return io.out('no registration tokens\n');
        const short = (d: Date | null) => (d ? d.toISOString().slice(0, 19).replace('T', ' ') : '-');
        io.out(
          formatTable([
            ['ID', 'STATE', 'USES', 'CREATED', 'EXPIRES', 'LAST USED'],
            ...tokens.map((token) => [
              token.id,
              registrationTokenState(token, now),
              `${token.timesUsed}/${token.usageLimit ?? '∞'}`,
              short(token.createdAt),
              short(token.expiresAt),
              short(token.lastUsedAt),
            ]),
          ]),
        );
      });
    });

  manage
    .command('revoke-registration-token')
    .description('Revoke a registration token: nobody can register with it any more')
    .argument('<id>', 'the token id (from list-registration-tokens)')
    .option(...CONFIG_OPTION)
    .action(async (id: string, options) => {
      await withServices(io, options.config, async ({ storage }) => {
        const revoked = await new RegistrationTokenService(storage, {
          clock: systemClock,
          rng: cryptoRng,
        }).revoke(id);
        if (!revoked) throw new CliError(`no registration token ${id} that is not revoked already`);
        io.out(`registration token ${id} revoked\n`);
      });
    });

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
        if (rows.length === 0 && !options.json) return io.out('no users\n');
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
        const table = [
          ['LOCALPART', 'STATUS', 'ADMIN', 'EMAILS', 'CREATED'],
          ...rows.map(({ user, emails }) => [
            user.localpart,
            userStatus(user),
            user.canRequestAdmin ? 'yes' : 'no',
            emails.map((e) => e.email).join(',') || '-',
            user.createdAt.toISOString().slice(0, 19).replace('T', ' '),
          ]),
        ];
        io.out(formatTable(table));
      });
    });
}

function formatTable(table: string[][]): string {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return `${table
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/** Where the change goes next: CLI commands write outbox jobs, and the running server delivers them. */
function homeserverNote(homeserver: HomeserverConnector): string {
  return homeserver.kind === 'none' ? '' : '; the running mxauth server will tell the homeserver';
}

function toLocalpart(input: string, serverName: string): string {
  const localpart = localpartFromInput(input, serverName);
  if (!localpart.ok) throw new CliError(`${input} is not a user of this server (${serverName})`, EXIT_USAGE);
  const valid = validateLocalpart(localpart.value, serverName);
  // Existing (imported) users may have historical localparts; only reject what can never be a localpart.
  if (!valid.ok && valid.error.kind === 'empty')
    throw new CliError(describeLocalpartProblem(valid.error), EXIT_USAGE);
  return localpart.value;
}

async function passwordFrom(
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

function describePasswordProblem(problem: PasswordProblem): string {
  return problem.kind === 'weak_password'
    ? problem.reason
    : 'passwords are disabled (passwords.enabled is false)';
}

function positiveInteger(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} needs a whole number above 0`, EXIT_USAGE);
  return n;
}
