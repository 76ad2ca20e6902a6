// npm run bench: measures mxauth's request path against a bare node:http server in the same run.
// Everything targets 127.0.0.1 and stops by itself (each measurement is a few seconds).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createTestDatabase } from '../test/helpers/databases.js';
import { runLoad } from './load.js';

const CONNECTIONS = 32;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);

async function startTarget(
  kind: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./target.ts', import.meta.url).pathname, kind],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { port: JSON.parse(line.toString()).port, child };
}

async function measure(kind: string, path: string, env: NodeJS.ProcessEnv = {}) {
  const { port, child } = await startTarget(kind, env);
  try {
    return await runLoad({
      url: `http://127.0.0.1:${port}${path}`,
      connections: CONNECTIONS,
      durationMs: DURATION_MS,
    });
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const rows: { name: string; rps: number; p50: number; p99: number; errors: number }[] = [];
const record = (name: string, r: Awaited<ReturnType<typeof runLoad>>) => {
  rows.push({ name, rps: r.rps, p50: r.p50Ms, p99: r.p99Ms, errors: r.errors });
  process.stderr.write(`  ${name}: ${Math.round(r.rps)} req/s\n`);
};

process.stderr.write(`measuring ${DURATION_MS / 1000} s each at ${CONNECTIONS} connections…\n`);
record('bare node:http, fixed JSON (baseline)', await measure('bare', '/'));
record('mxauth GET /health, SQLite', await measure('sqlite', '/health'));
const pg = await createTestDatabase('postgres');
try {
  record(
    'mxauth GET /health, PostgreSQL',
    await measure('postgres', '/health', { BENCH_POSTGRES_URI: pg.uri }),
  );
} finally {
  await pg.drop();
}

const baseline = rows[0]!.rps;
const table = [
  ['target', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline', 'errors'],
  ...rows.map((r) => [
    r.name,
    r.rps.toFixed(0),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    `${((r.rps / baseline) * 100).toFixed(0)}%`,
    String(r.errors),
  ]),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(
  [line(table[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...table.slice(1).map(line)].join(
    '\n',
  ),
);
