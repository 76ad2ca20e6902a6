import type { Command } from 'commander';
import { describeScopeProblem, deviceScope, parseMatrixScope } from '../../../domain/matrix-scopes.js';
import { CliError, type CliIo, EXIT_USAGE } from '../../io.js';
import { accountCommand, withAccount } from './arguments.js';

export function issueCompatibilityTokenCommand(manage: Command, io: CliIo): void {
  accountCommand(
    manage,
    'issue-compatibility-token',
    'Sign a user in for a bot or a script: prints a compatibility access token (it does not expire) once',
  )
    .option(
      '--device-id <id>',
      'device id of the session (a new random one when absent; an existing one is taken over)',
    )
    .option('--admin', 'give the token admin access to the homeserver (urn:synapse:admin:*)')
    .option('--yes-i-want-admin', 'confirm --admin')
    .action(async (input: string, options) => {
      const isAdmin = options.admin === true;
      checkAdminConfirmed(isAdmin, options.yesIWantAdmin === true);
      const deviceId = options.deviceId as string | undefined;
      if (deviceId !== undefined) checkDeviceId(deviceId);
      await withAccount(io, options, input, async ({ users, compat }, localpart, config) => {
        const user = await users.activeUser(localpart);
        if (!user.ok)
          throw new CliError(
            `cannot issue a token for ${localpart}: ${user.error.kind === 'unknown_user' ? 'no such user' : `the account is ${user.error.kind}`}`,
          );
        const result = await compat.login({
          user: user.value,
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
}

function checkAdminConfirmed(admin: boolean, confirmed: boolean): void {
  if (admin && !confirmed)
    throw new CliError(
      '--admin makes a token with full admin access to the homeserver (every user, room and setting), which never expires: confirm with --yes-i-want-admin',
      EXIT_USAGE,
    );
  if (!admin && confirmed)
    throw new CliError('--yes-i-want-admin confirms --admin, which is missing', EXIT_USAGE);
}

/** A device id must fit in a device scope: one scope token (RFC 6749 §3.3 characters), no spaces. */
function checkDeviceId(deviceId: string): void {
  if (/\s/.test(deviceId) || !parseMatrixScope(deviceScope(deviceId)).ok)
    throw new CliError(
      `--device-id: ${describeScopeProblem({ kind: 'invalid_device_id', deviceId })}`,
      EXIT_USAGE,
    );
}
