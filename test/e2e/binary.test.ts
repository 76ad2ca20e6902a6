import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

// These run the built CLI (npm test builds first), as an operator would.
const BIN = new URL('../../dist/cli/bin.js', import.meta.url).pathname;

function waitForLine(child: ChildProcess, pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} within ${ms} ms; got:\n${seen}`)),
      ms,
    );
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`exited with ${code} before ${pattern}; output:\n${seen}`)),
    );
  });
}

test('zero set-up: serve --generate-config writes a config, migrates SQLite and answers /health; SIGTERM stops it cleanly', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mxauth-zero-'));
  // What `npm start` runs, but on a free port instead of 8080.
  const child = spawn(process.execPath, [BIN, 'serve', '--config', 'data/config.yaml', '--generate-config'], {
    cwd,
    env: { ...process.env, MXAUTH_HTTP__LISTENERS: '[{binds: [{address: "127.0.0.1:0"}]}]' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const [, port] = await waitForLine(child, /listening on 127\.0\.0\.1:(\d+)/, 30_000);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
    assert.ok(existsSync(join(cwd, 'data', 'config.yaml')));
    assert.ok(existsSync(join(cwd, 'data', 'mxauth.db')), 'the SQLite database sits beside the config');

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
  const check = spawnSync(process.execPath, [BIN, 'config', 'check', '--config', 'data/config.yaml'], {
    cwd,
    encoding: 'utf8',
  });
  assert.equal(check.status, 0, check.stderr);
  const users = spawnSync(
    process.execPath,
    [BIN, 'manage', 'register-user', 'alice', '--password-stdin', '--config', 'data/config.yaml'],
    { cwd, encoding: 'utf8', input: 'correct horse battery staple\n' },
  );
  assert.equal(users.stdout, 'registered @alice:localhost\n', users.stderr);
});

test('`mxauth config generate > c.yaml && mxauth config check --config c.yaml` exits 0', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mxauth-gen-'));
  const result = spawnSync(
    'sh',
    [
      '-c',
      `"${process.execPath}" "${BIN}" config generate > c.yaml && "${process.execPath}" "${BIN}" config check --config c.yaml`,
    ],
    {
      cwd,
      encoding: 'utf8',
    },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /c\.yaml: the configuration is valid/);
});

test('malformed YAML at start-up: one clear error, exit 2, no stack trace', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mxauth-bad-'));
  const result = spawnSync(
    'sh',
    ['-c', `printf 'http: [unclosed\\n' > c.yaml && "${process.execPath}" "${BIN}" serve --config c.yaml`],
    {
      cwd,
      encoding: 'utf8',
    },
  );
  assert.equal(result.status, 2);
  assert.match(
    result.stderr,
    /^error: invalid configuration \(.*c\.yaml\):\n {2}.*c\.yaml:\d+:\d+: invalid YAML: /,
  );
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
});

test('the embedding example in docs/embedding.md runs', () => {
  const example = new URL('../../examples/embedded.mjs', import.meta.url).pathname;
  const result = spawnSync(process.execPath, [example], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PORT: '0' },
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'registered @alice:example.org\nGET /health → 200 {"status":"ok"}\n');
});
