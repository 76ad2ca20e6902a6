import type { Command } from 'commander';
import type { RegistrationToken } from '../../../domain/account.js';
import { systemClock } from '../../../domain/clock.js';
import { REGISTRATION_TOKEN_PATTERN, registrationTokenState } from '../../../services/registration-tokens.js';
import { withServices } from '../../context.js';
import { CliError, type CliIo, EXIT_USAGE } from '../../io.js';
import { CONFIG_OPTION, positiveInteger } from './arguments.js';
import { formatTable, shortTime } from './output.js';

export function registrationTokenCommands(manage: Command, io: CliIo): void {
  issueCommand(manage, io);
  listCommand(manage, io);
  revokeCommand(manage, io);
}

function issueCommand(manage: Command, io: CliIo): void {
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
      await withServices(io, options.config, async ({ registrationTokens }, config) => {
        const issued = await registrationTokens.issue({
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
}

function listCommand(manage: Command, io: CliIo): void {
  manage
    .command('list-registration-tokens')
    .description('List registration tokens: their id, uses and state (the tokens themselves are not stored)')
    .option(...CONFIG_OPTION)
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (options) => {
      await withServices(io, options.config, async ({ registrationTokens }) => {
        const tokens = await registrationTokens.list();
        const now = systemClock.now();
        if (options.json) {
          for (const token of tokens) io.out(`${JSON.stringify(tokenJson(token, now))}\n`);
          return;
        }
        if (tokens.length === 0) return io.out('no registration tokens\n');
        const short = (d: Date | null) => (d ? shortTime(d) : '-');
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
}

function tokenJson(token: RegistrationToken, now: Date) {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: token.id,
    state: registrationTokenState(token, now),
    times_used: token.timesUsed,
    usage_limit: token.usageLimit,
    created_at: iso(token.createdAt),
    expires_at: iso(token.expiresAt),
    last_used_at: iso(token.lastUsedAt),
    revoked_at: iso(token.revokedAt),
  };
}

function revokeCommand(manage: Command, io: CliIo): void {
  manage
    .command('revoke-registration-token')
    .description('Revoke a registration token: nobody can register with it any more')
    .argument('<id>', 'the token id (from list-registration-tokens)')
    .option(...CONFIG_OPTION)
    .action(async (id: string, options) => {
      await withServices(io, options.config, async ({ registrationTokens }) => {
        const revoked = await registrationTokens.revoke(id);
        if (!revoked) throw new CliError(`no registration token ${id} that is not revoked already`);
        io.out(`registration token ${id} revoked\n`);
      });
    });
}
