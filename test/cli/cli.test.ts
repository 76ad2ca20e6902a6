import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml, stringify } from 'yaml';
import { cli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';

const dir = mkdtempSync(join(tmpdir(), 'mxauth-cli-'));

test('config generate writes a file that config check accepts', async () => {
  const generated = await cli(['config', 'generate', '--output', 'c.yaml', '--server-name', 'example.org'], {
    cwd: dir,
  });
  assert.equal(generated.code, 0, generated.stderr);
  assert.equal(statSync(join(dir, 'c.yaml')).mode & 0o777, 0o600, 'the file holds secrets');
  const checked = await cli(['config', 'check', '--config', 'c.yaml'], { cwd: dir });
  assert.equal(checked.code, 0, checked.stderr);
  assert.match(checked.stdout, /the configuration is valid/);
  assert.match(checked.stdout, /example\.org \(synapse\)/);
  const again = await cli(['config', 'generate', '--output', 'c.yaml'], { cwd: dir });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /exists; pass --force/);
});

test('config generate --synapse-config fills matrix.* and the password schemes, and prints the Synapse snippet', async () => {
  writeFileSync(
    join(dir, 'homeserver.yaml'),
    stringify({
      server_name: 'example.net',
      public_baseurl: 'https://matrix.example.net/',
      listeners: [
        { port: 8448, tls: true, type: 'http', resources: [{ names: ['federation'] }] },
        {
          port: 8008,
          type: 'http',
          bind_addresses: ['::1', '127.0.0.1'],
          resources: [{ names: ['client', 'federation'] }],
        },
      ],
      password_config: { pepper: 'synapse-pepper' },
    }),
  );
  const generated = await cli(
    [
      'config',
      'generate',
      '--synapse-config',
      'homeserver.yaml',
      '--output',
      'from-synapse.yaml',
      '--listen',
      '127.0.0.1:8080',
    ],
    { cwd: dir },
  );
  assert.equal(generated.code, 0, generated.stderr);
  const config = parseYaml(readFileSync(join(dir, 'from-synapse.yaml'), 'utf8'));
  assert.equal(config.matrix.homeserver, 'example.net');
  assert.equal(config.matrix.endpoint, 'http://[::1]:8008/');
  assert.deepEqual(
    config.passwords.schemes.map((s: { version: number; algorithm: string; secret?: string }) => [
      s.version,
      s.algorithm,
      s.secret,
    ]),
    [
      [1, 'bcrypt', 'synapse-pepper'],
      [2, 'argon2id', undefined],
    ],
  );
  assert.equal(
    generated.stdout,
    [
      '# Add to homeserver.yaml (Synapse >= 1.136), then restart Synapse:',
      'matrix_authentication_service:',
      '  enabled: true',
      '  endpoint: "http://127.0.0.1:8080/"',
      `  secret: "${config.matrix.secret}"`,
      '',
    ].join('\n'),
  );
  assert.equal((await cli(['config', 'check', '--config', 'from-synapse.yaml'], { cwd: dir })).code, 0);
  writeFileSync(join(dir, 'not-synapse.yaml'), 'listeners: []\n');
  const refused = await cli(['config', 'generate', '--synapse-config', 'not-synapse.yaml'], { cwd: dir });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /not a usable Synapse configuration: it has no server_name/);
});

test('config check names every problem and exits 2, without a stack trace', async () => {
  const file = join(dir, 'bad.yaml');
  const config = testConfig({ database: { uri: 'mysql://x/y' }, passwords: { enabled: 'yes' } });
  delete (config.http as { public_base?: string }).public_base;
  writeFileSync(file, stringify(config));
  const result = await cli(['config', 'check'], { env: { MXAUTH_CONFIG: file } });
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.deepEqual(result.stderr.trimEnd().split('\n'), [
    `error: invalid configuration (${file}):`,
    '  http.public_base: is required',
    '  database.uri: unknown database scheme "mysql:"; use sqlite:PATH, sqlite::memory: or postgresql://…',
    '  passwords.enabled: expected boolean, got string "yes"',
  ]);
});

test('config schema prints a JSON Schema of the file', async () => {
  const result = await cli(['config', 'schema']);
  const schema = JSON.parse(result.stdout);
  assert.equal(schema.type, 'object');
  assert.deepEqual(schema.required, ['http', 'secrets']);
  assert.equal(schema.properties.passwords.properties.minimum_complexity.default, 3);
});

test('usage mistakes exit 2 with a hint; --help works on every command', async () => {
  const unknown = await cli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  for (const args of [
    ['--help'],
    ['manage', 'register-user', '--help'],
    ['database', 'migrate', '--help'],
    ['serve', '--help'],
  ]) {
    const help = await cli(args);
    assert.equal(help.code, 0, args.join(' '));
    assert.match(help.stdout, /Usage: mxauth/);
  }
  const missingArg = await cli(['manage', 'lock-user']);
  assert.equal(missingArg.code, 2);
  assert.match(missingArg.stderr, /missing required argument 'localpart'/);
});

test('an unreadable database is one line and a non-zero exit', async () => {
  const file = join(dir, 'unreadable-db.yaml');
  writeFileSync(file, stringify(testConfig({ database: { uri: 'sqlite:/nonexistent/dir/x.db' } })));
  const result = await cli(['database', 'migrate', '--config', file]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    'error: cannot open the SQLite database /nonexistent/dir/x.db: the directory /nonexistent/dir does not exist\n',
  );
  const down = join(dir, 'pg-down.yaml');
  writeFileSync(down, stringify(testConfig({ database: { uri: 'postgresql://postgres@127.0.0.1:1/test' } })));
  const pg = await cli(['manage', 'list-users', '--config', down]);
  assert.equal(pg.code, 1);
  assert.equal(
    pg.stderr,
    'error: cannot connect to PostgreSQL at 127.0.0.1:1/test: connection refused (is the server running?)\n',
  );
});

for (const kind of DATABASE_KINDS) {
  describe(`manage commands [${kind}]`, () => {
    let database: TestDatabase;
    let config: string;
    const run = (args: string[], stdin?: string) => cli([...args, '--config', config], { stdin });

    before(async () => {
      database = await createTestDatabase(kind);
      config = join(dir, `manage-${kind}.yaml`);
      const uri = kind === 'sqlite' ? `sqlite:manage-${kind}-${process.pid}.db` : database.uri;
      writeFileSync(
        config,
        stringify(testConfig({ database: { uri }, matrix: { kind: 'none', homeserver: 'example.org' } })),
      );
    });
    after(() => database.drop());

    test('commands refuse to run on an unmigrated database, and migrate fixes it', async () => {
      const early = await run(['manage', 'list-users']);
      assert.equal(early.code, 1);
      assert.match(early.stderr, /schema is out of date .* run `mxauth database migrate`/);
      const migrated = await run(['database', 'migrate']);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, /applied 0001_initial/);
      assert.match((await run(['database', 'migrate'])).stdout, /up to date/);
    });

    test('register-user, then list-users, lock-user and set-password', async () => {
      const registered = await run(
        [
          'manage',
          'register-user',
          '@alice:example.org',
          '--password-stdin',
          '--email',
          'alice@example.org',
          '--admin',
        ],
        'correct horse battery staple\n',
      );
      assert.equal(registered.code, 0, registered.stderr);
      assert.equal(registered.stdout, 'registered @alice:example.org\n');
      const noPassword = await run(['manage', 'register-user', 'bob', '--display-name', 'Bob']);
      assert.match(noPassword.stdout, /registered @bob:example.org \(no password/);

      const taken = await run([
        'manage',
        'register-user',
        'alice',
        '--password',
        'correct horse battery staple',
      ]);
      assert.equal(taken.code, 1);
      assert.equal(taken.stderr, 'error: cannot register alice: this username is already taken\n');
      const weak = await run(['manage', 'register-user', 'carol', '--password', 'carol2024']);
      assert.equal(weak.code, 1);
      assert.match(weak.stderr, /^error: cannot register carol: The password is too weak/);
      const foreign = await run(['manage', 'register-user', '@dave:elsewhere.org']);
      assert.equal(foreign.code, 2);
      assert.match(foreign.stderr, /not a user of this server \(example.org\)/);

      assert.equal((await run(['manage', 'lock-user', 'alice'])).stdout, '@alice:example.org locked\n');
      const listed = await run(['manage', 'list-users', '--json']);
      const rows = listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        rows.map((r) => [r.localpart, r.status, r.can_request_admin, r.emails, r.display_name]),
        [
          ['alice', 'locked', true, ['alice@example.org'], null],
          ['bob', 'active', false, [], 'Bob'],
        ],
      );
      const table = await run(['manage', 'list-users']);
      assert.match(
        table.stdout,
        /^LOCALPART +STATUS +ADMIN +EMAILS +CREATED\nalice +locked +yes +alice@example.org +\d{4}-/,
      );

      assert.equal((await run(['manage', 'unlock-user', 'alice'])).code, 0);
      assert.equal(
        (await run(['manage', 'lock-user', 'nobody'])).stderr,
        'error: cannot lock nobody: no such user\n',
      );
      const weakSet = await run(['manage', 'set-password', 'bob', '--password-stdin'], 'bob\n');
      assert.equal(weakSet.code, 1);
      assert.match(weakSet.stderr, /cannot set the password of bob: The password is too weak/);
      const forced = await run(
        ['manage', 'set-password', 'bob', '--password-stdin', '--ignore-password-complexity'],
        'bob\n',
      );
      assert.equal(forced.stdout, 'password of @bob:example.org set\n');
      const noTerminal = await run(['manage', 'set-password', 'bob']);
      assert.equal(noTerminal.code, 2);
      assert.match(noTerminal.stderr, /use --password-stdin/);
    });

    test('with a homeserver: deactivate-user queues the call, jobs lists it, and an unreachable homeserver stops registration', async () => {
      const withHomeserver = join(dir, `manage-hs-${kind}.yaml`);
      const uri = kind === 'sqlite' ? `sqlite:manage-${kind}-${process.pid}.db` : database.uri;
      writeFileSync(
        withHomeserver,
        stringify(
          testConfig({
            database: { uri },
            matrix: {
              kind: 'synapse',
              homeserver: 'example.org',
              endpoint: 'http://127.0.0.1:1/',
              secret: 's',
            },
          }),
        ),
      );
      const hs = (args: string[]) => cli([...args, '--config', withHomeserver]);
      const refused = await hs([
        'manage',
        'register-user',
        'zoe',
        '--password',
        'correct horse battery staple',
      ]);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /cannot register zoe: the homeserver cannot be asked whether this username is free/,
      );
      assert.equal((await run(['manage', 'register-user', 'yuri'])).code, 0);

      const deactivated = await hs(['manage', 'deactivate-user', 'yuri', '--erase']);
      assert.equal(deactivated.code, 0, deactivated.stderr);
      assert.equal(
        deactivated.stdout,
        '@yuri:example.org deactivated, 0 session(s) ended; the running mxauth server will tell the homeserver\n',
      );
      const jobs = await hs(['manage', 'jobs', '--json']);
      const waiting = jobs.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        waiting.map((j) => [j.kind, j.state, j.payload]),
        [['delete_user', 'pending', { kind: 'delete_user', localpart: 'yuri', erase: true }]],
      );
      assert.match((await hs(['manage', 'jobs'])).stdout, /delete_user\s+pending/);
      const retry = await hs(['manage', 'jobs', '--retry', waiting[0].id]);
      assert.equal(retry.code, 1, 'only failed jobs can be retried');
      const status = await run(['manage', 'list-users', '--json']);
      assert.ok(status.stdout.includes('"localpart":"yuri","status":"deactivated"'));
    });
  });
}
