import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml, stringify } from 'yaml';
import { cli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';

// The built CLI, as `npm start` runs it (npm test builds first).
const BIN = new URL('../../dist/cli/bin.js', import.meta.url).pathname;
// Free ports instead of 8080 and 8081, which the generated file names.
const FREE_PORT = { MXAUTH_HTTP__LISTENERS: '[{binds: [{address: "127.0.0.1:0"}]}]' };

/** Starts `serve` and resolves with what it printed up to the end of its start banner. */
async function startServe(
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; banner: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', 'data/config.yaml', '--generate-config'], {
    cwd,
    env: { PATH: process.env.PATH, ...FREE_PORT, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const banner = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no start banner within 30 s:\n${seen}`)), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/mxauth is running at [^\n]*\n(?: {2}[^\n]*\n)*\n/.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${seen}`)));
  });
  return { child, banner };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

test('the first start writes a development config with mail to the log and two listeners; the banner names this installation’s command, and only while there is no user', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mxauth-start-'));
  // As `npm start` in the checkout runs it.
  const first = await startServe(cwd, { npm_lifecycle_event: 'start', npm_package_name: 'mxauth' });
  try {
    assert.match(
      first.banner,
      /\n {2}create a first user: npm run mxauth -- manage register-user alice --config data\/config\.yaml\n/,
    );
    assert.doesNotMatch(first.banner, /npx/);
  } finally {
    await stop(first.child);
  }
  const written = parseYaml(readFileSync(join(cwd, 'data/config.yaml'), 'utf8'));
  assert.equal(written.email.transport, 'log', 'a person can register: the code is in the log');
  assert.deepEqual(
    written.http.listeners.map((l: { resources: string[]; binds: { address: string }[] }) => [
      l.resources,
      l.binds,
    ]),
    [
      [['discovery', 'human', 'oauth', 'compat', 'assets'], [{ address: '127.0.0.1:8080' }]],
      [['health', 'prometheus'], [{ address: '127.0.0.1:8081' }]],
    ],
  );

  const registered = spawnSync(
    process.execPath,
    [BIN, 'manage', 'register-user', 'alice', '--password-stdin', '--config', 'data/config.yaml'],
    { cwd, encoding: 'utf8', input: 'correct horse battery staple\n' },
  );
  assert.equal(registered.status, 0, registered.stderr);
  // Started as `node dist/cli/bin.js`, outside npm: no hint now that alice exists.
  const second = await startServe(cwd, {});
  try {
    assert.match(second.banner, /listening on 127\.0\.0\.1:\d+/);
    assert.doesNotMatch(second.banner, /create a first user/);
  } finally {
    await stop(second.child);
  }
});

test('config check and serve refuse the log transport with an https public_base', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mxauth-log-https-'));
  const file = join(dir, 'c.yaml');
  const refused = /email\.transport: log writes every mail, codes and links included, to the log/;
  writeFileSync(
    file,
    stringify(
      testConfig({ http: { public_base: 'https://auth.example.org/' }, email: { transport: 'log' } }),
    ),
  );
  const checked = await cli(['config', 'check', '--config', file]);
  assert.equal(checked.code, 2);
  assert.match(checked.stderr, refused);
  const served = await cli(['serve', '--config', file]);
  assert.equal(served.code, 2);
  assert.match(served.stderr, refused);

  writeFileSync(
    file,
    stringify(testConfig({ http: { public_base: 'http://localhost:8080/' }, email: { transport: 'log' } })),
  );
  const development = await cli(['config', 'check', '--config', file]);
  assert.equal(development.code, 0, development.stderr);
});
