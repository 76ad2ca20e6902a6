import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { ClientAddressResolver } from '../../src/http/client-address.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { ConfigError, createMxauth, type Mxauth } from '../../src/server.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';

/** Collects the JSON log lines an instance writes. */
function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

for (const kind of DATABASE_KINDS) {
  describe(`HTTP service [${kind}]`, () => {
    let database: TestDatabase;
    let mxauth: Mxauth;
    let base: string;
    const logs = logSink();

    before(async () => {
      database = await createTestDatabase(kind);
      mxauth = createMxauth(
        testConfig({
          database: { uri: database.uri },
          http: {
            public_base: 'http://localhost/',
            listeners: [
              { name: 'web', binds: [{ address: '127.0.0.1:0' }], resources: ['health', 'discovery'] },
              {
                name: 'internal',
                binds: [{ host: '127.0.0.1', port: 0 }],
                resources: [{ name: 'prometheus' }],
                prefix: '/internal',
              },
            ],
          },
        }),
        { logger: logs.logger },
      );
      await mxauth.start({ listen: true });
      base = `http://127.0.0.1:${mxauth.listening[0]!.port}`;
    });
    after(async () => {
      await mxauth.close();
      await database.drop();
    });

    test('GET /health answers 200 while the database answers', async () => {
      const response = await fetch(`${base}/health`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await response.json(), { status: 'ok' });
    });

    test('unknown routes are 404 in the format the caller asked for', async () => {
      const json = await fetch(`${base}/nowhere`);
      assert.equal(json.status, 404);
      assert.deepEqual(await json.json(), {
        error: 'not_found',
        error_description: 'There is nothing at /nowhere.',
      });

      const html = await fetch(`${base}/nowhere`, { headers: { accept: 'text/html,application/xhtml+xml' } });
      assert.equal(html.status, 404);
      assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
      const page = await html.text();
      assert.match(page, /<h1>Page not found<\/h1>/);
      assert.match(page, /<html lang="en"/);

      const matrix = await fetch(`${base}/_matrix/client/v3/nowhere`);
      assert.deepEqual(await matrix.json(), {
        errcode: 'M_UNRECOGNIZED',
        error: 'There is nothing at /_matrix/client/v3/nowhere.',
      });

      const escaped = await fetch(`${base}/%3Cscript%3E`, { headers: { accept: 'text/html' } });
      assert.doesNotMatch(await escaped.text(), /<script>/);
    });

    test('a wrong method is 405 with Allow', async () => {
      const response = await fetch(`${base}/health`, { method: 'DELETE' });
      assert.equal(response.status, 405);
      assert.match(response.headers.get('allow') ?? '', /GET/);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
    });

    test('each listener serves only its resources, under its prefix', async () => {
      const internal = `http://127.0.0.1:${mxauth.listening[1]!.port}`;
      assert.equal((await fetch(`${base}/metrics`)).status, 404, 'metrics are not on the public listener');
      assert.equal((await fetch(`${internal}/health`)).status, 404, 'outside the prefix');
      const metrics = await fetch(`${internal}/internal/metrics`);
      assert.equal(metrics.status, 200);
      const text = await metrics.text();
      assert.match(
        text,
        /mxauth_http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} [1-9]/,
      );
      assert.match(text, /mxauth_jobs\{state="pending"\} 0/);
      assert.match(text, /mxauth_process_cpu_seconds_total/);
    });

    test('one log line per request, with timings and without the query string', async () => {
      await fetch(`${base}/health?code=SECRET-CODE&access_token=SECRET-TOKEN`, {
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
      const line = logs.lines.findLast((l) => l.msg === 'request' && l.path === '/health');
      assert.ok(line);
      assert.equal(line.status, 200);
      assert.equal(line.ip, '203.0.113.9', 'loopback is a trusted proxy by default');
      assert.equal(typeof line.duration_ms, 'number');
      assert.ok((line.db_queries as number) >= 1);
      assert.doesNotMatch(JSON.stringify(logs.lines), /SECRET-/);
    });
  });
}

test('a host process mounts the handler in its own server (embedded mode)', async () => {
  const mxauth = createMxauth(testConfig(), { logger: logSink().logger });
  const host = createServer((req, res) => {
    if (req.url?.startsWith('/host')) return res.end('host page');
    mxauth.handler(req, res);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  try {
    const before = await fetch(`${base}/health`);
    assert.equal(before.status, 503, 'not started yet');
    assert.equal(before.headers.get('retry-after'), '1');
    await mxauth.start();
    assert.equal(mxauth.listening.length, 0, 'no listener of its own');
    assert.equal((await fetch(`${base}/health`)).status, 200);
    assert.equal(await (await fetch(`${base}/host`)).text(), 'host page');
    const registered = await mxauth.users.register({
      localpart: 'embedded',
      password: 'correct horse battery staple',
    });
    assert.ok(registered.ok);
    await mxauth.close();
    assert.equal((await fetch(`${base}/health`)).status, 503, 'closed');
  } finally {
    host.close();
  }
});

test('an invalid configuration throws a ConfigError naming each problem', () => {
  assert.throws(
    () => createMxauth(testConfig({ database: { uri: 'mongodb://x' } })),
    (e: unknown) => e instanceof ConfigError && e.problems[0]?.path === 'database.uri',
  );
});

test('health is 503 when the database stops answering', async () => {
  const app = buildApp(
    {
      logger: createLogger('silent'),
      metrics: createMetrics(),
      trustedProxies: [],
      ping: () => Promise.reject(new Error('connection lost')),
    },
    { resources: new Set(['health']), prefix: '' },
  );
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health`);
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), {
      status: 'unavailable',
      reason: 'the database does not answer',
    });
  } finally {
    server.close();
  }
});

test('X-Forwarded-For is believed only from trusted proxies, hop by hop', () => {
  const resolver = new ClientAddressResolver(['10.0.0.0/8', '::1/128']);
  assert.equal(
    resolver.resolve('198.51.100.7', '203.0.113.9'),
    '198.51.100.7',
    'untrusted peer: header ignored',
  );
  assert.equal(resolver.resolve('10.1.2.3', '203.0.113.9'), '203.0.113.9');
  assert.equal(
    resolver.resolve('::ffff:10.1.2.3', '6.6.6.6, 203.0.113.9, 10.9.9.9'),
    '203.0.113.9',
    'a forged left part is skipped',
  );
  assert.equal(resolver.resolve('::1', 'garbage'), '::1');
});
