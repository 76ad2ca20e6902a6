// A server under test, in its own process so the load generator does not share its event loop.
// Usage: tsx bench/target.ts bare | mxauth   — prints {"port": N} on stdout when ready. mxauth runs on
// BENCH_DATABASE_URI.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { seedAccessTokens } from './seed.js';

// The compiled build, as production runs it (npm run bench builds first); typed from the sources.
const built = new URL('../dist/', import.meta.url).href;
const { generateConfig } = (await import(
  `${built}config/generate.js`
)) as typeof import('../src/config/generate.js');
const { createLogger } = (await import(
  `${built}observability/logger.js`
)) as typeof import('../src/observability/logger.js');
const { createMxauth } = (await import(`${built}server.js`)) as typeof import('../src/server.js');

const kind = process.argv[2];

if (kind === 'bare') {
  // The baseline: what node:http alone costs for a small fixed JSON answer.
  const body = JSON.stringify({ status: 'ok' });
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () =>
    console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })),
  );
} else {
  // public_base must be the address clients reach, so pick a free port first.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const config = await generateConfig({
    listen: `127.0.0.1:${port}`,
    publicBase: `http://127.0.0.1:${port}/`,
  });
  config.database = { uri: process.env.BENCH_DATABASE_URI ?? '' };
  // BENCH_CACHE_ENTRIES=0 turns the introspection cache off: every request is then a database lookup.
  if (process.env.BENCH_CACHE_ENTRIES !== undefined)
    config.tokens = {
      ...config.tokens,
      introspection_cache_entries: Number(process.env.BENCH_CACHE_ENTRIES),
    };
  config.matrix = { kind: 'none', homeserver: 'bench.test', secret: 'bench-secret' };
  // Request logging stays on, as in production, through pino's own fast destination (as stdout would be).
  const destination = pino.destination({ dest: '/dev/null', sync: false });
  const mxauth = createMxauth(config, {
    logger: createLogger((process.env.BENCH_LOG_LEVEL ?? 'info') as 'info', destination),
  });
  await mxauth.start({ listen: true });
  const tokens = Number(process.env.BENCH_TOKENS ?? 0);
  if (tokens > 0) {
    const user = await mxauth.users.register({
      localpart: 'bench',
      password: 'bench password',
      ignoreComplexity: true,
    });
    if (!user.ok) throw new Error('cannot create the bench user');
    const { openDatabase } = (await import(
      `${built}storage/database.js`
    )) as typeof import('../src/storage/database.js');
    const opened = await openDatabase(mxauth.config.database.uri);
    if (!opened.ok) throw new Error(opened.error);
    await seedAccessTokens(opened.value.db, tokens, user.value.id);
    await opened.value.close();
  }
  const listening = mxauth.listening[0]?.port;
  // As in production, the process has served the engine and the pages before: their request context
  // (AsyncLocalStorage) is live, which makes every promise a little dearer, the hot path's included.
  for (const path of process.env.BENCH_COLD ? [] : ['/.well-known/openid-configuration', '/health', '/login'])
    await (await fetch(`http://127.0.0.1:${listening}${path}`)).arrayBuffer();
  console.log(JSON.stringify({ port: listening }));
  process.on('SIGTERM', () => void mxauth.close(0).then(() => process.exit(0)));
}
