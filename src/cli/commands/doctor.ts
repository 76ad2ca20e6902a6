import type { Command } from 'commander';
import { sql } from 'kysely';
import type { Config } from '../../config/config.js';
import { checkDeployment } from '../../diagnostics/deployment.js';
import { failures, renderFindings } from '../../diagnostics/finding.js';
import { systemClock } from '../../domain/clock.js';
import { cryptoRng, randomAlphanumeric } from '../../domain/random.js';
import { describeHomeserverError } from '../../homeserver/connector.js';
import { createConnector } from '../../homeserver/index.js';
import { createMailTransport } from '../../messaging/mail-transport.js';
import { createLogger } from '../../observability/logger.js';
import { openDatabase } from '../../storage/database.js';
import { pendingMigrations } from '../../storage/migrate.js';
import { createStorage } from '../../storage/storage.js';
import { configPath, loadConfigOrExit } from '../context.js';
import { CliError, type CliIo, readAll } from '../io.js';

/** One finding: fine, worth a look, or broken (with what to do about it). */
interface Finding {
  level: 'ok' | 'warn' | 'fail';
  area: string;
  message: string;
}

/** How far apart two clocks may be before tokens (iat/exp) and codes start to fail. */
const CLOCK_TOLERANCE_MS = 30_000;

export function doctorCommand(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description('Check the configuration against reality: database, homeserver, public address, mail, clock')
    .option('-c, --config <file>', 'configuration file (default: $MXAUTH_CONFIG or config.yaml)')
    .option('--timeout <ms>', 'how long to wait for each remote check', (v) => Number(v), 5000)
    .option(
      '--endpoint <url>',
      "mxauth's address as Synapse reaches it (matrix_authentication_service.endpoint; default: http.public_base)",
    )
    .option(
      '--homeserver-url <url>',
      "also check the whole deployment live, as a Matrix client would, through this homeserver's client API",
    )
    .option(
      '--test-user <localpart>',
      'with --homeserver-url: sign in as this user; the password is read from standard input (never a flag)',
    )
    .action(async (options) => {
      const path = configPath(io, options.config);
      const config = loadConfigOrExit(io, path);
      const findings: Finding[] = [{ level: 'ok', area: 'config', message: `${path} is valid` }];
      const clocks: { source: string; at: number }[] = [];
      findings.push(...(await checkDatabase(config, clocks)));
      findings.push(...(await checkHomeserver(config, options.timeout, clocks)));
      findings.push(...(await checkDiscovery(config, options.timeout)));
      findings.push(...(await checkIntrospection(config, options.endpoint, options.timeout)));
      findings.push(...(await checkMail(config, options.timeout)));
      findings.push(...checkClocks(clocks));
      const mark = { ok: '✓', warn: '!', fail: '✗' } as const;
      for (const f of findings) io.out(`${mark[f.level]} ${f.area}: ${f.message}\n`);
      let failed = findings.filter((f) => f.level === 'fail').length;
      if (options.homeserverUrl) {
        const password = options.testUser ? (await readAll(io.stdin)).replace(/\r?\n$/, '') : '';
        const testUser = options.testUser ? { localpart: options.testUser, password } : undefined;
        const rows = await checkDeployment({
          config,
          homeserverUrl: options.homeserverUrl,
          timeoutMs: options.timeout,
          ...(testUser ? { testUser } : {}),
        });
        io.out(renderFindings(rows));
        failed += failures(rows);
      }
      if (failed > 0) throw new CliError(`${failed} problem(s) found`);
      io.out('no problems found\n');
    });
}

async function checkDatabase(config: Config, clocks: { source: string; at: number }[]): Promise<Finding[]> {
  const opened = await openDatabase(config.database.uri, { connectTimeoutMs: 5000 });
  if (!opened.ok) return [{ level: 'fail', area: 'database', message: opened.error }];
  const database = opened.value;
  try {
    const findings: Finding[] = [];
    const pending = await pendingMigrations(database);
    findings.push(
      pending.length === 0
        ? { level: 'ok', area: 'database', message: `${database.description}, schema up to date` }
        : {
            level: 'fail',
            area: 'database',
            message: `${database.description}: ${pending.length} migration(s) pending; run \`mxauth database migrate\``,
          },
    );
    if (database.dialect === 'postgres') {
      const { rows } = await sql<{ now: Date }>`select now() as now`.execute(database.db);
      if (rows[0]) clocks.push({ source: 'PostgreSQL', at: new Date(rows[0].now).getTime() });
    }
    if (pending.length === 0) {
      const jobs = await createStorage(database, systemClock, cryptoRng).jobs.countByState();
      if (jobs.failed > 0)
        findings.push({
          level: 'warn',
          area: 'outbox',
          message: `${jobs.failed} job(s) failed for good: see \`mxauth manage jobs\``,
        });
      if (jobs.pending > 0)
        findings.push({
          level: 'warn',
          area: 'outbox',
          message: `${jobs.pending} job(s) waiting for delivery (is the server running, and the homeserver up?)`,
        });
    }
    return findings;
  } finally {
    await database.close();
  }
}

async function checkHomeserver(
  config: Config,
  timeoutMs: number,
  clocks: { source: string; at: number }[],
): Promise<Finding[]> {
  if (config.matrix.kind === 'none') return [{ level: 'ok', area: 'homeserver', message: 'none configured' }];
  // Ask about a user that cannot exist: 404 proves the address and the secret; anything else says which is wrong.
  const fetchAndNoteDate: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const date = response.headers.get('date');
    if (date) clocks.push({ source: 'the homeserver', at: Date.parse(date) });
    return response;
  };
  const connector = createConnector(config, withTimeout(fetchAndNoteDate, timeoutMs));
  const answer = await connector.queryUser('mxauth-doctor-probe');
  const where = config.matrix.endpoint.href;
  if (answer.ok || answer.error.kind === 'not_found')
    return [{ level: 'ok', area: 'homeserver', message: `${where} answers and accepts the shared secret` }];
  switch (answer.error.kind) {
    case 'unauthorized':
      return [
        {
          level: 'fail',
          area: 'homeserver',
          message: `${where} refused the shared secret: matrix.secret must equal matrix_authentication_service.secret in homeserver.yaml`,
        },
      ];
    case 'transient':
      return [
        {
          level: 'fail',
          area: 'homeserver',
          message: `${describeHomeserverError(answer.error)} (check matrix.endpoint: it must be Synapse's client API as this host reaches it)`,
        },
      ];
    default:
      return [
        {
          level: 'fail',
          area: 'homeserver',
          message: `${describeHomeserverError(answer.error)} (is it Synapse >= 1.136 with matrix_authentication_service enabled?)`,
        },
      ];
  }
}

async function checkDiscovery(config: Config, timeoutMs: number): Promise<Finding[]> {
  const url = new URL('.well-known/openid-configuration', config.http.publicBase);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    if (response.status !== 200)
      return [
        {
          level: 'fail',
          area: 'public_base',
          message: `${url.href} answered ${response.status}: the reverse proxy must pass it to mxauth`,
        },
      ];
    const document = (await response.json()) as { issuer?: string };
    if (document.issuer !== config.http.issuer)
      return [
        {
          level: 'fail',
          area: 'public_base',
          message: `${url.href} names the issuer ${document.issuer}, this configuration ${config.http.issuer}: another server answers there`,
        },
      ];
    return [
      { level: 'ok', area: 'public_base', message: `${url.href} serves this server's discovery document` },
    ];
  } catch (e) {
    const cause = networkReason(e);
    return [
      {
        level: 'fail',
        area: 'public_base',
        message: `${url.href} cannot be fetched (${cause}): is mxauth running, and does DNS/the proxy point at it?`,
      },
    ];
  }
}

/**
 * Introspects a random token exactly as Synapse does (`matrix_authentication_service`): the form, the
 * shared secret as Bearer and MAS's device-id header. The homeserver check above proves only the secret
 * mxauth sends; this proves the one mxauth accepts, which is what every client request depends on.
 */
async function checkIntrospection(
  config: Config,
  endpoint: string | undefined,
  timeoutMs: number,
): Promise<Finding[]> {
  const area = 'introspection';
  if (config.matrix.kind === 'none' || config.matrix.secret === undefined)
    return [{ level: 'ok', area, message: 'no homeserver configured' }];
  let base: URL;
  try {
    base = new URL(endpoint ?? config.http.publicBase.href);
  } catch {
    return [{ level: 'fail', area, message: `--endpoint ${endpoint} is not a URL` }];
  }
  // Synapse joins the path to `endpoint` as a directory, with or without its final slash.
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const url = new URL('oauth2/introspect', base);
  const where = `POST ${url.href}`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        authorization: `Bearer ${config.matrix.secret}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'x-mas-supports-device-id': '1',
      },
      body: new URLSearchParams({
        token: `mxauth-doctor-${randomAlphanumeric(cryptoRng, 24)}`,
        token_type_hint: 'access_token',
      }).toString(),
    });
    const text = await response.text();
    if (response.status === 401)
      return [
        {
          level: 'fail',
          area,
          message: `${where} answered 401: the running mxauth refuses this matrix.secret. Synapse sends the contents of matrix_authentication_service.secret (or secret_path, stripped): it must equal matrix.secret here, and the server must have been restarted since the secret changed`,
        },
      ];
    if (response.status !== 200)
      return [
        {
          level: 'fail',
          area,
          message: `${where} answered ${response.status}: ${response.status === 503 ? 'mxauth cannot reach its database' : 'is the address mxauth itself (no proxy in between rewriting or refusing the request)?'}`,
        },
      ];
    let active: unknown;
    try {
      active = (JSON.parse(text) as { active?: unknown }).active;
    } catch {
      active = undefined;
    }
    if (active !== false)
      return [
        { level: 'fail', area, message: `${where} answered 200 without {"active":false}: is it mxauth?` },
      ];
    return [{ level: 'ok', area, message: `${where} accepts the shared secret as Synapse sends it` }];
  } catch (e) {
    return [
      {
        level: 'fail',
        area,
        message: `${where} cannot be reached (${networkReason(e)}): is mxauth running there? (pass --endpoint with Synapse's matrix_authentication_service.endpoint)`,
      },
    ];
  }
}

/** What the account settings send mail for: nothing of it arrives when mail is dropped. */
function mailNeededFor(config: Config): string[] {
  const { account } = config;
  return [
    account.password_registration_enabled && account.password_registration_email_required
      ? 'registration codes'
      : undefined,
    account.password_recovery_enabled ? 'password recovery links' : undefined,
    account.email_change_allowed ? 'codes for added addresses' : undefined,
  ].filter((need): need is string => need !== undefined);
}

async function checkMail(config: Config, timeoutMs: number): Promise<Finding[]> {
  const email = config.email;
  const transport = createMailTransport(email, { logger: createLogger('silent'), timeoutMs });
  if (email.transport === 'blackhole') {
    const needs = mailNeededFor(config);
    return [
      needs.length > 0
        ? {
            level: 'warn',
            area: 'mail',
            message: `email.transport is blackhole: ${needs.join(', ')} are dropped, nobody receives them`,
          }
        : { level: 'ok', area: 'mail', message: 'blackhole (mail is dropped; nothing needs it)' },
    ];
  }
  const checked = await transport.verify();
  if (!checked.ok)
    return [{ level: 'fail', area: 'mail', message: `${transport.description}: ${checked.error}` }];
  const findings: Finding[] = [{ level: 'ok', area: 'mail', message: checked.detail }];
  if (email.transport === 'smtp' && email.mode === 'plain' && email.username && !isLoopback(email.hostname))
    findings.push({
      level: 'warn',
      area: 'mail',
      message: 'email.mode is plain: the SMTP password and every code cross the network unencrypted',
    });
  return findings;
}

function isLoopback(host: string | undefined): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host ?? '');
}

function checkClocks(clocks: { source: string; at: number }[]): Finding[] {
  const now = Date.now();
  const off = clocks.filter((c) => Math.abs(c.at - now) > CLOCK_TOLERANCE_MS);
  if (off.length === 0)
    return [
      {
        level: 'ok',
        area: 'clock',
        message: clocks.length
          ? `within ${CLOCK_TOLERANCE_MS / 1000} s of ${clocks.map((c) => c.source).join(' and ')}`
          : 'nothing to compare with',
      },
    ];
  return off.map((c) => ({
    level: 'fail' as const,
    area: 'clock',
    message: `${Math.round((now - c.at) / 1000)} s off ${c.source}: tokens will look expired or not yet valid; run NTP on both hosts`,
  }));
}

/** The system's reason under fetch's "fetch failed" (ECONNREFUSED, ENOTFOUND…), or the timeout. */
function networkReason(e: unknown): string {
  const error = e as Error & { cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (error.name === 'TimeoutError') return 'no answer in time';
  return error.cause?.code ?? error.cause?.errors?.[0]?.code ?? error.cause?.message ?? error.message;
}

function withTimeout(f: typeof fetch, ms: number): typeof fetch {
  return (input, init) => f(input, { ...init, signal: AbortSignal.timeout(ms) });
}
