import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { test } from 'node:test';
import { generateConfig } from '../../src/config/generate.js';
import { parseConfig } from '../../src/config/load.js';
import { createMxauth } from '../../src/server.js';

// `docker build` cannot run here (no registry for base images); this reads the Dockerfile instead and
// checks what a build and a start would depend on.
const ROOT = new URL('../../', import.meta.url).pathname;

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

function instructions(): Instruction[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  let stage = -1;
  return logical.map((line) => {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') stage += 1;
    return { keyword: keyword.toUpperCase(), args, stage };
  });
}

/** The arguments of an exec-form (JSON array) instruction. */
function execForm(instruction: Instruction | undefined): string[] {
  assert.ok(instruction, 'instruction present');
  const parsed = JSON.parse(instruction.args) as unknown;
  assert.ok(Array.isArray(parsed), `${instruction.keyword} is in exec form`);
  return parsed as string[];
}

/** .dockerignore patterns as Docker applies them: the last matching pattern wins, `!` re-includes. */
function ignoredByDockerignore(path: string): boolean {
  const file = join(ROOT, '.dockerignore');
  if (!existsSync(file)) return false;
  const patterns = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
  const toRegExp = (glob: string) =>
    new RegExp(
      `^${glob
        .replace(/^\/+|\/+$/g, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .split('**')
        .map((part) => part.replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
        .join('.*')}(/.*)?$`,
    );
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (toRegExp(negated ? pattern.slice(1) : pattern).test(path)) ignored = !negated;
  }
  return ignored;
}

test('every COPY from the build context names a file or folder of the repository that .dockerignore lets in', () => {
  const copies = instructions().filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args));
  assert.ok(copies.length > 0);
  for (const copy of copies) {
    const words = copy.args.split(/\s+/).filter((w) => !w.startsWith('--'));
    for (const source of words.slice(0, -1)) {
      const path = posix.normalize(source).replace(/^\.\/|\/$/g, '');
      assert.ok(existsSync(join(ROOT, path)), `COPY ${source}: no such file in the repository`);
      assert.ok(!ignoredByDockerignore(path), `COPY ${source}: excluded by .dockerignore`);
    }
  }
  assert.ok(ignoredByDockerignore('node_modules'), 'the host’s node_modules stays out of the context');
});

test('the image runs the CLI file `npm run build` produces, as a real command, in a small non-root image', () => {
  const all = instructions();
  const finalStage = Math.max(...all.map((i) => i.stage));
  const final = all.filter((i) => i.stage === finalStage);
  const build = all.filter((i) => i.stage < finalStage);
  assert.match(all[0]!.args, /^node:20-bookworm-slim AS build$/i);
  assert.ok(build.some((i) => i.keyword === 'RUN' && /npm run build/.test(i.args)));
  assert.ok(final.some((i) => i.keyword === 'RUN' && /npm ci --omit=dev/.test(i.args)));
  assert.ok(final.some((i) => i.keyword === 'USER' && i.args !== 'root' && i.args !== '0'));
  assert.ok(final.some((i) => i.keyword === 'VOLUME' && i.args === '/data'));

  const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const bin: string = packageJson.bin.mxauth;
  const workdir = build.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args;
  const argv = [
    ...execForm(final.find((i) => i.keyword === 'ENTRYPOINT')),
    ...execForm(final.find((i) => i.keyword === 'CMD')),
  ];
  assert.equal(argv[0], 'node');
  assert.equal(argv[1], posix.join(workdir ?? '/', bin), 'the entrypoint is the package’s bin');
  const outDir = posix.join(workdir ?? '/', bin.split('/')[0]!);
  assert.ok(
    final.some((i) => i.keyword === 'COPY' && i.args === `--from=build ${outDir} ./${bin.split('/')[0]}`),
    `the final stage copies ${outDir} from the build stage`,
  );
  assert.equal(argv[2], 'serve', 'the command is `serve` (src/cli/commands/serve.ts)');

  // npm test builds first; the file the image starts is the one that build wrote.
  assert.ok(existsSync(join(ROOT, bin)), `${bin} exists after npm run build`);
  const help = spawnSync(process.execPath, [join(ROOT, bin), argv[2]!, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: mxauth serve/);
  const top = spawnSync(process.execPath, [join(ROOT, bin), '--help'], { encoding: 'utf8' });
  assert.equal(top.status, 0, top.stderr);
});

test('the health check asks the internal listener of the generated configuration for /health, and it answers', async () => {
  const healthcheck = instructions().find((i) => i.keyword === 'HEALTHCHECK');
  assert.ok(healthcheck);
  const url = new URL(/http:\/\/[^'"\s)]+/.exec(healthcheck.args)?.[0] ?? 'http://missing/');

  const generated = await generateConfig();
  const parsed = parseConfig(generated);
  assert.ok(parsed.ok);
  const internal = parsed.value.http.listeners.find((l) => l.resources.has('health'));
  assert.ok(internal, 'a listener serves health');
  assert.deepEqual(
    internal.binds.map((b) => ('port' in b ? `${b.host}:${b.port}` : b.socket)),
    [`${url.hostname}:${url.port}`],
  );
  assert.ok(!parsed.value.http.listeners.some((l) => l !== internal && l.resources.has('health')));
  // Under a public_base with a path too, the probe's path stays /health.
  const underPath = parseConfig(await generateConfig({ publicBase: 'https://example.org/auth/' }));
  assert.ok(underPath.ok);
  assert.equal(underPath.value.http.listeners.find((l) => l.name === internal.name)?.prefix, '');

  // The same listener (resources and prefix), on a free port: the path answers 200.
  generated.http!.listeners = generated.http!.listeners!.filter((l) => l.name === internal.name);
  generated.http!.listeners[0]!.binds = [{ address: '127.0.0.1:0' }];
  generated.database = { uri: 'sqlite::memory:' };
  generated.matrix = { kind: 'none', homeserver: 'example.org' };
  generated.log = { level: 'silent' };
  const mxauth = createMxauth(generated);
  await mxauth.start({ listen: true });
  try {
    const port = mxauth.listening[0]!.port;
    const answer = await fetch(`http://127.0.0.1:${port}${url.pathname}`);
    assert.equal(answer.status, 200);
  } finally {
    await mxauth.close();
  }
});
