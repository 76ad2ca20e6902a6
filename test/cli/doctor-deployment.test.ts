import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { cli } from '../helpers/cli.js';
import { ClientFacingHomeserver } from '../helpers/client-facing-homeserver.js';
import { testConfig } from '../helpers/config.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const SECRET = 'deployment-secret';
const PASSWORD = 'correct horse battery staple';

describe('mxauth doctor --homeserver-url: the deployment as a client sees it', () => {
  const homeserver = new ClientFacingHomeserver('example.test', SECRET);
  const dir = mkdtempSync(join(tmpdir(), 'mxauth-doctor-deployment-'));
  let running: RunningMxauth;
  let config: string;

  before(async () => {
    await homeserver.start();
    const matrix = {
      kind: 'synapse',
      homeserver: 'example.test',
      endpoint: homeserver.endpoint,
      secret: SECRET,
    };
    running = await startMxauth('postgres', { matrix });
    homeserver.authEndpoint = running.base;
    const registered = await running.mxauth.users.register({ localpart: 'alice', password: PASSWORD });
    assert.ok(registered.ok);
    config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      stringify(
        testConfig({
          http: { public_base: running.base },
          database: { uri: running.mxauth.config.database.uri },
          matrix,
        }),
      ),
    );
  });
  afterEach(() => {
    homeserver.deployment = { introspection: 'every request', changePasswordEnabled: false };
  });
  after(async () => {
    await running.close();
    await homeserver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const doctor = (extra: string[] = ['--test-user', 'alice'], stdin = `${PASSWORD}\n`) =>
    cli(
      ['doctor', '--config', config, '--timeout', '1500', '--homeserver-url', homeserver.endpoint, ...extra],
      {
        stdin,
      },
    );

  /** The table's row for a requirement: its mark and the line of its fix, if any. */
  const row = (stdout: string, requirement: string) => {
    const lines = stdout.split('\n');
    const at = lines.findIndex((l) => l.slice(2).startsWith(requirement));
    assert.ok(at >= 0, `no row "${requirement}" in:\n${stdout}`);
    const fix = /^\s+fix: (.*)$/.exec(lines[at + 1] ?? '')?.[1];
    return { mark: lines[at]![0], line: lines[at]!, fix };
  };

  const REQUIREMENTS = [
    'auth_metadata names mxauth',
    '/.well-known/matrix/client points here',
    'legacy /login goes to mxauth',
    'account management URL opens',
    'a client can sign in and reach /whoami',
    'm.change_password is off',
    'a revoked token is refused',
  ];

  test('a correct deployment: every requirement met, exit 0', async () => {
    const run = await doctor();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const requirement of REQUIREMENTS) assert.equal(row(run.stdout, requirement).mark, '✓', run.stdout);
    assert.match(row(run.stdout, 'a client can sign in and reach /whoami').line, /@alice:example\.test/);
    assert.match(row(run.stdout, 'a revoked token is refused').line, /401 M_UNKNOWN_TOKEN/);
    assert.doesNotMatch(run.stdout, /fix:/);
    assert.match(run.stdout, /no problems found/);
  });

  test('without --test-user the rows that need a token are unchecked, not failed; the password is never a flag', async () => {
    const run = await doctor([], '');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(row(run.stdout, 'auth_metadata names mxauth').mark, '✓');
    const unchecked = row(run.stdout, 'a revoked token is refused');
    assert.equal(unchecked.mark, '–');
    assert.match(unchecked.fix ?? '', /--test-user/);
    const help = await cli(['doctor', '--help']);
    assert.match(
      help.stdout,
      /--test-user <localpart>[\s\S]*password is read from standard input \(never a\s+flag\)/,
    );
    assert.doesNotMatch(help.stdout, /--password/);
  });

  test('a homeserver that does not introspect (a revoked token still works): ✗ with the fix, exit 1', async () => {
    homeserver.deployment.introspection = 'once';
    const run = await doctor();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const revoked = row(run.stdout, 'a revoked token is refused');
    assert.equal(revoked.mark, '✗');
    assert.match(revoked.line, /after revocation: 200 \(expected 401 M_UNKNOWN_TOKEN\)/);
    assert.match(revoked.fix ?? '', /must introspect every token at mxauth/);
    assert.equal(row(run.stdout, 'a client can sign in and reach /whoami').mark, '✓');
    assert.match(run.stderr, /1 problem\(s\) found/);
  });

  test('capabilities that allow m.change_password: ✗ with the fix, exit 1', async () => {
    homeserver.deployment.changePasswordEnabled = true;
    const run = await doctor();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const capability = row(run.stdout, 'm.change_password is off');
    assert.equal(capability.mark, '✗');
    assert.match(capability.line, /m\.change_password\.enabled is true/);
    assert.match(capability.fix ?? '', /matrix_authentication_service\.enabled: true/);
    assert.equal(row(run.stdout, 'a revoked token is refused').mark, '✓');
  });

  test('auth_metadata naming another issuer: ✗ with the fix, exit 1', async () => {
    homeserver.deployment.issuer = 'https://auth.elsewhere.example/';
    const run = await doctor();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const metadata = row(run.stdout, 'auth_metadata names mxauth');
    assert.equal(metadata.mark, '✗');
    assert.match(
      metadata.line,
      /issuer https:\/\/auth\.elsewhere\.example\/, not http:\/\/127\.0\.0\.1:\d+\//,
    );
    assert.match(
      metadata.fix ?? '',
      /matrix_authentication_service\.endpoint in homeserver\.yaml must reach this mxauth/,
    );
    // The well-known document carries the same wrong issuer; the rest still works against mxauth itself.
    assert.equal(row(run.stdout, '/.well-known/matrix/client points here').mark, '✗');
    assert.equal(row(run.stdout, 'a client can sign in and reach /whoami').mark, '✓');
  });
});
