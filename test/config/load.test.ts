import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configReferenceMarkdown } from '../../src/config/docs-table.js';
import { configToYaml, generateConfig } from '../../src/config/generate.js';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problems.js';
import { testConfig, testKeys } from '../helpers/config.js';

const dir = mkdtempSync(join(tmpdir(), 'mxauth-config-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problems = (result: ReturnType<typeof parseConfig>) =>
  result.ok ? [] : result.error.map(formatProblem);

test('a generated configuration is valid as it is, with an RSA and an EC key', async () => {
  const path = write('generated.yaml', configToYaml(await generateConfig()));
  const loaded = loadConfigFile(path);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  assert.deepEqual(loaded.value.secrets.keys.map((k) => k.alg).sort(), ['ES256', 'RS256']);
  assert.equal(loaded.value.secrets.encryption.length, 32);
  assert.equal(
    loaded.value.database.uri,
    `sqlite:${join(dir, 'mxauth.db')}`,
    'SQLite paths are relative to the file',
  );
  assert.equal(loaded.value.passwords.schemes[0]?.algorithm, 'argon2id');
  assert.equal(loaded.value.http.issuer, 'http://localhost:8080/');
});

test('a wrong type, an unknown database scheme and a missing public_base are each named', () => {
  const config = testConfig({
    database: { uri: 'mysql://db/mxauth' },
    passwords: { minimum_complexity: 'high' },
  });
  delete (config.http as { public_base?: string }).public_base;
  assert.deepEqual(problems(parseConfig(config)), [
    'http.public_base: is required',
    'database.uri: unknown database scheme "mysql:"; use sqlite:PATH, sqlite::memory: or postgresql://…',
    'passwords.minimum_complexity: expected number, got string "high"',
  ]);
});

test('typos, bad keys and missing secrets are reported with their paths', () => {
  const config = testConfig({
    matrix: { kind: 'synapse', secret: undefined },
    secrets: { encryption: 'abc', keys: [{ key: 'not a pem' }] },
    account: { pasword_registration_enabled: true },
  });
  assert.deepEqual(problems(parseConfig(config)), ['account.pasword_registration_enabled: unknown key']);
  delete (config.account as Record<string, unknown>).pasword_registration_enabled;
  assert.deepEqual(problems(parseConfig(config)), [
    'matrix.secret: is required (or secret_file)',
    'secrets.encryption: must be 32 bytes written as 64 hex characters (mxauth config generate makes one)',
    'secrets.keys.0.key: not a PEM private key (PKCS#1, PKCS#8 or SEC1)',
    'secrets.keys: needs at least one RSA key (RS256 is mandatory in OpenID Connect)',
    'secrets.keys: needs at least one EC P-256 key (ES256)',
  ]);
});

test('listener addresses and enums are checked', () => {
  const config = testConfig({
    http: { public_base: 'ftp://x/', listeners: [{ binds: [{ address: 'localhost' }], resources: ['web'] }] },
    matrix: { kind: 'dendrite' },
  });
  assert.deepEqual(problems(parseConfig(config)), [
    'http.public_base: expected an http:// or https:// URL',
    'http.listeners.0.resources.0: must be one of "health", "prometheus", "discovery", "human", "oauth", "compat", "adminapi", "assets", "connection-info"',
    'http.listeners.0.binds.0.address: expected host:port, e.g. "127.0.0.1:8080" or "[::]:8080"',
    'matrix.kind: must be one of "synapse", "synapse_legacy", "none"',
  ]);
});

test('trusted_proxies entries are addresses or networks, or a config problem (never a crash at start)', () => {
  const config = testConfig({
    http: {
      trusted_proxies: ['10.0.0.0/8', '::1', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/x', 'proxy.internal'],
    },
  });
  const message = 'must be an IP address or a network in CIDR form, such as 10.0.0.0/8 or fd00::/8';
  assert.deepEqual(
    problems(parseConfig(config)),
    [2, 3, 4, 5].map((i) => `http.trusted_proxies.${i}: ${message}`),
  );
});

test('public_base may have a path, which listeners serve under unless told otherwise', () => {
  const listeners = [
    { binds: [{ address: '127.0.0.1:0' }] },
    { binds: [{ address: '127.0.0.1:0' }], prefix: '/' },
    { binds: [{ address: '127.0.0.1:0' }], prefix: '/internal' },
  ];
  for (const publicBase of ['https://example.org/auth/', 'https://example.org/auth']) {
    const result = parseConfig(testConfig({ http: { public_base: publicBase, listeners } }));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
    assert.equal(result.value.http.publicBase.href, 'https://example.org/auth/');
    assert.equal(result.value.http.issuer, publicBase);
    assert.deepEqual(
      result.value.http.listeners.map((l) => l.prefix),
      ['/auth', '', '/internal'],
    );
  }
  const root = parseConfig(testConfig({ http: { public_base: 'https://auth.example.org/' } }));
  assert.ok(root.ok);
  assert.equal(root.value.http.listeners[0]!.prefix, '');
});

test('public_base may not have a query or a fragment', () => {
  for (const publicBase of [
    'https://example.org/auth/?x=1',
    'https://example.org/auth/#top',
    'https://example.org/?',
  ]) {
    assert.deepEqual(problems(parseConfig(testConfig({ http: { public_base: publicBase } }))), [
      'http.public_base: must not have a query or a fragment, e.g. https://auth.example.com/ or https://example.com/auth/',
    ]);
  }
  const prefix = parseConfig(
    testConfig({ http: { listeners: [{ binds: [{ address: '127.0.0.1:0' }], prefix: '/auth/' }] } }),
  );
  assert.deepEqual(problems(prefix), [
    'http.listeners.0.prefix: a path such as /auth, without a trailing slash, or / for none',
  ]);
});

test('malformed YAML names the file, line and column', () => {
  const path = write('broken.yaml', 'http:\n  public_base: "http://x/\n  listeners: [\n');
  const loaded = loadConfigFile(path);
  assert.ok(!loaded.ok);
  assert.match(formatProblem(loaded.error[0]!), new RegExp(`^${path}:\\d+:\\d+: invalid YAML: `));
  const missing = loadConfigFile(join(dir, 'nope.yaml'));
  assert.deepEqual(problems(missing), [
    `cannot read the configuration file ${join(dir, 'nope.yaml')}: no such file`,
  ]);
});

test('secrets can come from files; environment variables override the file', () => {
  write('hs-secret', '0123');
  const keyFile = write('rsa.pem', testKeys().rsa);
  const config = testConfig({
    matrix: { kind: 'synapse', secret_file: 'hs-secret' },
    secrets: {
      encryption: 'f'.repeat(64),
      keys: [{ key_file: keyFile, kid: 'rsa-1' }, { key: testKeys().ec }],
    },
  });
  const loaded = parseConfig(config, {
    baseDir: dir,
    env: {
      MXAUTH_DATABASE__URI: 'sqlite:env.db',
      MXAUTH_PASSWORDS__MINIMUM_COMPLEXITY: '1',
      MXAUTH_ACCOUNT__PASSWORD_REGISTRATION_ENABLED: 'true',
      MXAUTH_SECRETS__ENCRYPTION: '1'.repeat(64),
      MXAUTH_CONFIG: '/ignored/because/it/names/no/section',
      MXAUTH_TEST_POSTGRES_URI: 'also ignored',
    },
  });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  assert.equal(loaded.value.matrix.secret, '0123');
  assert.equal(loaded.value.secrets.keys[0]?.kid, 'rsa-1');
  assert.equal(loaded.value.database.uri, `sqlite:${join(dir, 'env.db')}`);
  assert.equal(loaded.value.passwords.minimumComplexity, 1);
  assert.equal(loaded.value.account.password_registration_enabled, true);
  assert.equal(
    loaded.value.secrets.encryption.toString('hex'),
    '1'.repeat(64),
    'a digit-only string stays a string',
  );
});

test('secret files lose their trailing newline (openssl rand -hex 32 > file), except a pepper', () => {
  const hex = 'ab'.repeat(32);
  const config = testConfig({
    matrix: { kind: 'synapse', secret_file: write('nl-hs-secret', `${hex}\n`) },
    secrets: {
      encryption: undefined,
      encryption_file: write('nl-encryption', `${hex}\r\n`),
      keys: [{ key_file: write('nl-rsa.pem', `${testKeys().rsa.trimEnd()}\n\n`) }, { key: testKeys().ec }],
    },
    passwords: {
      schemes: [{ version: 1, algorithm: 'argon2id', secret_file: write('nl-pepper', 'pepper\n') }],
    },
    clients: [
      {
        client_id: '01J0000000000000000000TOOL',
        client_auth_method: 'client_secret_basic',
        client_secret_file: write('nl-client-secret', 'tool secret \n'),
      },
    ],
  });
  const loaded = parseConfig(config, { baseDir: dir });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  assert.equal(loaded.value.matrix.secret, hex, 'the shared secret Synapse compares with its own copy');
  assert.equal(loaded.value.secrets.encryption.toString('hex'), hex);
  assert.equal(loaded.value.secrets.keys.length, 2);
  assert.equal(loaded.value.clients[0]?.secret, 'tool secret');
  assert.equal(
    Buffer.from(loaded.value.passwords.schemes[0]?.secret ?? []).toString('utf8'),
    'pepper\n',
    'a pepper keeps its bytes: existing hashes were made with them',
  );
  const empty = parseConfig(
    testConfig({ matrix: { kind: 'synapse', secret_file: write('empty-hs-secret', '\n') } }),
    { baseDir: dir },
  );
  assert.deepEqual(problems(empty), [`matrix.secret_file: ${join(dir, 'empty-hs-secret')} is empty`]);
});

test('MAS key names are understood', () => {
  const loaded = parseConfig(testConfig({ account: { password_registration_token_required: true } }));
  assert.ok(loaded.ok);
  assert.equal(loaded.value.account.registration_token_required, true);
});

test('docs/configuration.md lists every key of the schema with its default (run npm run docs:config)', () => {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.ok(
    doc.includes(configReferenceMarkdown()),
    'docs/configuration.md is out of date: run `npm run docs:config`',
  );
});
