// npm run bench: mxauth's hot paths against a bare node:http server measured in the same run.
// Everything targets 127.0.0.1 and stops by itself (each measurement is a few seconds).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../test/helpers/databases.js';
import { type LoadResult, runLoad } from './load.js';
import { refreshChains } from './refresh.js';
import { haveWrk, runWrk } from './wrk.js';

const CONNECTIONS = 32;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 100_000);
const WRK = haveWrk();

interface Target {
  port: number;
  child: ChildProcess;
}

async function startTarget(kind: string, env: NodeJS.ProcessEnv = {}): Promise<Target> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./target.ts', import.meta.url).pathname, kind],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { port: JSON.parse(line.toString()).port, child };
}

async function stop(target: Target): Promise<void> {
  target.child.kill('SIGTERM');
  await once(target.child, 'exit');
}

async function load(
  url: string,
  lua?: string,
  body?: () => string,
  headers?: Record<string, string>,
): Promise<LoadResult> {
  if (WRK) return runWrk({ url, connections: CONNECTIONS, durationMs: DURATION_MS, lua });
  return runLoad({
    url,
    connections: CONNECTIONS,
    durationMs: DURATION_MS,
    method: body ? 'POST' : 'GET',
    body,
    headers,
  });
}

const introspectionLua = `
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer bench-secret"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
math.randomseed(os.time())
request = function()
  return wrk.format(nil, nil, nil, "token=bench-token-" .. math.random(0, ${TOKENS - 1}))
end
`;

// BENCH_ONLY=introspection (a regular expression) measures only the rows whose names match, and the baseline.
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;
const rows: { name: string; result: LoadResult }[] = [];
const record = async (name: string, measure: () => Promise<LoadResult>) => {
  if (only && !only.test(name)) return;
  const result = await measure();
  rows.push({ name, result });
  process.stderr.write(`  ${name}: ${Math.round(result.rps)} req/s\n`);
};

process.stderr.write(
  `load: ${WRK ? 'wrk, 1 thread' : 'Node client (install wrk for lower-overhead figures)'}, ${CONNECTIONS} connections, ${DURATION_MS / 1000} s each; ${TOKENS} live tokens\n`,
);
// The shared machine's speed drifts during a run, so the baseline is measured before each database's
// rows and at the end; ratios are taken against the fastest of these (the least flattering).
const bare = await startTarget('bare');
const baselines: LoadResult[] = [];
const measureBaseline = async () => {
  const result = await load(`http://127.0.0.1:${bare.port}/`);
  baselines.push(result);
  process.stderr.write(`  baseline: ${Math.round(result.rps)} req/s\n`);
};

const pg = await createTestDatabase('postgres');
const databases = [
  {
    name: 'SQLite',
    kind: 'sqlite',
    env: { BENCH_SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'mxauth-bench-')), 'bench.db') },
  },
  { name: 'PostgreSQL', kind: 'postgres', env: { BENCH_POSTGRES_URI: pg.uri } },
];
try {
  for (const db of databases) {
    const target = await startTarget(db.kind, { ...db.env, BENCH_TOKENS: String(TOKENS) });
    await measureBaseline();
    try {
      const base = `http://127.0.0.1:${target.port}`;
      await record(`introspection, ${db.name}`, () =>
        load(
          `${base}/oauth2/introspect`,
          introspectionLua,
          () => `token=bench-token-${Math.floor(Math.random() * TOKENS)}`,
          {
            authorization: 'Bearer bench-secret',
            'content-type': 'application/x-www-form-urlencoded',
          },
        ),
      );
      await record(`GET /health, ${db.name}`, () => load(`${base}/health`));
      await record(`token refresh (rotation), ${db.name}`, () =>
        refreshChains(base, CONNECTIONS, DURATION_MS),
      );
    } finally {
      await stop(target);
    }
  }
  await measureBaseline();
} finally {
  await pg.drop();
  await stop(bare);
}

const best = baselines.reduce((a, b) => (b.rps > a.rps ? b : a));
const baseline = best.rps;
const table = [
  ['target', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline', 'errors'],
  ...[{ name: 'bare node:http, fixed JSON (baseline)', result: best }, ...rows].map(({ name, result: r }) => [
    name,
    r.rps.toFixed(0),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    `${((r.rps / baseline) * 100).toFixed(0)}%`,
    String(r.errors),
  ]),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
const rates = baselines.map((b) => Math.round(b.rps));
console.log(
  `baseline measured ${rates.length} times during the run: ${rates.join(', ')} req/s; ratios use the highest\n`,
);
console.log(
  [line(table[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...table.slice(1).map(line)].join(
    '\n',
  ),
);
