import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliCommand } from '../../src/cli/invocation.js';

// A layout like `npm install -g --prefix P`: P/bin/mxauth links to the package's built CLI.
const prefix = mkdtempSync(join(tmpdir(), 'mxauth-prefix-'));
const cliFile = join(prefix, 'lib/node_modules/mxauth/dist/cli/bin.js');
mkdirSync(join(prefix, 'lib/node_modules/mxauth/dist/cli'), { recursive: true });
writeFileSync(cliFile, '#!/usr/bin/env node\n');
chmodSync(cliFile, 0o755);
mkdirSync(join(prefix, 'bin'));
symlinkSync(cliFile, join(prefix, 'bin/mxauth'));

test('from the checkout through npm (npm start, npm run mxauth): the package script', () => {
  const env = { npm_lifecycle_event: 'start', npm_package_name: 'mxauth', PATH: '/usr/bin' };
  assert.equal(
    cliCommand({ script: '/src/mxauth/dist/cli/bin.js', env, cwd: '/src/mxauth' }),
    'npm run mxauth --',
  );
});

test('installed globally, with its bin on PATH: mxauth', () => {
  const env = { PATH: `/usr/bin:${join(prefix, 'bin')}` };
  assert.equal(cliCommand({ script: join(prefix, 'bin/mxauth'), env, cwd: '/' }), 'mxauth');
  // Node may report the link's target as the script; it is still the mxauth on PATH.
  assert.equal(cliCommand({ script: cliFile, env, cwd: '/' }), 'mxauth');
});

test('a bin that is not the one on PATH is named by its path; the built file by node and its path', () => {
  assert.equal(
    cliCommand({ script: join(prefix, 'bin/mxauth'), env: { PATH: '/usr/bin' }, cwd: '/' }),
    join(prefix, 'bin/mxauth'),
  );
  assert.equal(
    cliCommand({ script: cliFile, env: { PATH: '/usr/bin' }, cwd: join(prefix, 'lib/node_modules/mxauth') }),
    'node dist/cli/bin.js',
  );
  assert.equal(cliCommand({ script: cliFile, env: {}, cwd: '/elsewhere' }), `node ${cliFile}`);
});

test("a project's own dependency, run from its npm scripts: npx --no-install, which never fetches a package", () => {
  const project = mkdtempSync(join(tmpdir(), 'mxauth-project-'));
  mkdirSync(join(project, 'node_modules/.bin'), { recursive: true });
  symlinkSync(cliFile, join(project, 'node_modules/.bin/mxauth'));
  const env = {
    npm_lifecycle_event: 'start',
    npm_package_name: 'my-app',
    PATH: join(project, 'node_modules/.bin'),
  };
  assert.equal(
    cliCommand({ script: join(project, 'node_modules/.bin/mxauth'), env, cwd: project }),
    'npx --no-install mxauth',
  );
});

test('never a bare `npx mxauth`', () => {
  for (const script of [undefined, cliFile, join(prefix, 'bin/mxauth')])
    assert.doesNotMatch(cliCommand({ script, env: {}, cwd: '/' }), /^npx mxauth/);
});
