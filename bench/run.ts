// npm run bench: mxauth's hot paths against a bare node:http server measured in the same run.
// Everything targets 127.0.0.1 and stops by itself (each measurement is a few seconds).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from '../test/helpers/databases.js';
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

/** Each request for a random one of the live tokens, or (in order) for each of them once. */
const introspectionLua = (order: 'random' | 'each') => `
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer bench-secret"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
math.randomseed(os.time())
local n = -1
request = function()
  ${order === 'random' ? `local i = math.random(0, ${TOKENS - 1})` : `n = (n + 1) % ${TOKENS}\n  local i = n`}
  return wrk.format(nil, nil, nil, "token=bench-token-" .. i)
end
`;

function introspect(base: string, order: 'random' | 'each'): Promise<LoadResult> {
  let n = -1;
  const body =
    order === 'random'
      ? () => `token=bench-token-${Math.floor(Math.random() * TOKENS)}`
      : () => {
          n = (n + 1) % TOKENS;
          return `token=bench-token-${n}`;
        };
  return load(`${base}/oauth2/introspect`, introspectionLua(order), body, {
    authorization: 'Bearer bench-secret',
    'content-type': 'application/x-www-form-urlencoded',
  });
}

/** The target's token lookups so far, by what answered them (its Prometheus metrics). */
async function lookups(base: string): Promise<{ cache: number; database: number }> {
  // A connection of its own: a kept-alive one may have been closed by the server during the load.
  const text = await new Promise<string>((resolve, reject) =>
    get(`${base}/metrics`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
    }).on('error', reject),
  );
  const count = (by: string) =>
    Number(new RegExp(`mxauth_token_lookups_total\\{answered_by="${by}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  return { cache: count('cache'), database: count('database') };
}

process.stderr.write(
  `load: ${WRK ? 'wrk, 1 thread' : 'Node client (install wrk for lower-overhead figures)'}, ${CONNECTIONS} connections, ${DURATION_MS / 1000} s each; ${TOKENS} live tokens\n`,
);

/*
 * The baseline: a bare node:http server answering a fixed JSON, sent the same request as introspection
 * (a POST with the shared secret and a form body, which it does not read). The machine's speed drifts
 * during a run, so it is measured right before and right after every row, and each row is compared
 * with the mean of those two.
 */
const bare = await startTarget('bare');
const baselines: number[] = [];
let freshBaseline: number | undefined;
const measureBaseline = async (): Promise<number> => {
  const { rps } = await introspect(`http://127.0.0.1:${bare.port}`, 'random');
  baselines.push(rps);
  process.stderr.write(`  baseline: ${Math.round(rps)} req/s\n`);
  freshBaseline = rps;
  return rps;
};
/** Load that is not a row (a warm-up pass): the next row needs a baseline measured after it. */
const unmeasured = async <T>(work: () => Promise<T>): Promise<T> => {
  freshBaseline = undefined;
  return work();
};

// BENCH_ONLY=introspection (a regular expression) measures only the rows whose names match.
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;
const rows: { name: string; result: LoadResult; baseline: number }[] = [];
const record = async (name: string, measure: () => Promise<LoadResult>) => {
  if (only && !only.test(name)) return;
  const before = freshBaseline ?? (await measureBaseline());
  freshBaseline = undefined;
  const result = await measure();
  const after = await measureBaseline();
  rows.push({ name, result, baseline: (before + after) / 2 });
  process.stderr.write(`  ${name}: ${Math.round(result.rps)} req/s\n`);
};

// Each target gets a database of its own, dropped at the end.
const scratch: TestDatabase[] = [];
const freshDatabase = async (kind: TestDatabaseKind) => {
  const database = await createTestDatabase(kind);
  scratch.push(database);
  return { BENCH_DATABASE_URI: database.uri };
};
const databases = [
  { name: 'SQLite', kind: 'sqlite' as const },
  { name: 'PostgreSQL', kind: 'postgres' as const },
];
const hitRates: string[] = [];
try {
  for (const db of databases) {
    // The default configuration: the introspection cache on. The homeserver has asked about every
    // token once before (each Synapse worker asks for itself, and again when its 2-minute cache ends).
    const target = await startTarget(db.kind, {
      ...(await freshDatabase(db.kind)),
      BENCH_TOKENS: String(TOKENS),
    });
    try {
      const base = `http://127.0.0.1:${target.port}`;
      const name = `introspection, ${db.name}, tokens seen before`;
      if (!only || only.test(name)) {
        // Every token once, in order (a 6-second pass goes round at 17 000 req/s).
        await unmeasured(() => introspect(base, 'each'));
        const before = await lookups(base);
        await record(name, () => introspect(base, 'random'));
        const after = await lookups(base);
        const hits = after.cache - before.cache;
        hitRates.push(
          `${db.name}: ${((hits / (hits + after.database - before.database)) * 100).toFixed(1)}%`,
        );
      }
      await record(`GET /health, ${db.name}`, () => load(`${base}/health`));
      await record(`token refresh (rotation), ${db.name}`, () =>
        refreshChains(base, CONNECTIONS, DURATION_MS),
      );
    } finally {
      await stop(target);
    }
    // The same without a cache: every request is a database lookup (a token seen for the first time).
    if (!only || only.test(`introspection, ${db.name}, no cache`)) {
      const uncached = await startTarget(db.kind, {
        ...(await freshDatabase(db.kind)),
        BENCH_TOKENS: String(TOKENS),
        BENCH_CACHE_ENTRIES: '0',
      });
      try {
        const base = `http://127.0.0.1:${uncached.port}`;
        await record(`introspection, ${db.name}, no cache (a query each)`, () => introspect(base, 'random'));
      } finally {
        await stop(uncached);
      }
    }
  }
} finally {
  for (const database of scratch) await database.drop();
  await stop(bare);
}

const table = [
  ['target', 'req/s', 'p50 ms', 'p99 ms', 'baseline req/s', 'vs baseline', 'errors'],
  ...rows.map(({ name, result: r, baseline }) => [
    name,
    r.rps.toFixed(0),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    baseline.toFixed(0),
    `${((r.rps / baseline) * 100).toFixed(0)}%`,
    String(r.errors),
  ]),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(
  `baseline (bare node:http, fixed JSON, the same request) before and after each row: ${baselines.map(Math.round).join(', ')} req/s`,
);
if (hitRates.length > 0)
  console.log(`answered from the cache in the "tokens seen before" rows: ${hitRates.join(', ')}`);
console.log();
console.log(
  [line(table[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...table.slice(1).map(line)].join(
    '\n',
  ),
);
