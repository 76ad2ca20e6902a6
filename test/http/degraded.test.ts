import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { createLogger } from '../../src/observability/logger.js';
import { createTestDatabase, DATABASE_KINDS, POSTGRES_URI } from '../helpers/databases.js';
import { HOMESERVER_SECRET, startMxauth } from '../helpers/oauth-server.js';

function sink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

const introspect = (base: string, secret: string) =>
  fetch(`${base}oauth2/introspect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: 'not-a-token', token_type_hint: 'access_token' }),
  });

for (const kind of DATABASE_KINDS) {
  describe(`degraded states [${kind}]`, () => {
    test('/health answers 503 when the schema is not at the expected migration', async () => {
      const running = await startMxauth(kind);
      try {
        const { db } = running.mxauth.services.database;
        assert.equal((await fetch(`${running.base}health`)).status, 200);
        await sql`INSERT INTO mxauth_migrations (name, timestamp) VALUES ('9999_future', '2030-01-01')`.execute(
          db,
        );
        const ahead = await fetch(`${running.base}health`);
        assert.equal(ahead.status, 503);
        assert.match(((await ahead.json()) as { reason: string }).reason, /newer than this mxauth/);
        await sql`DELETE FROM mxauth_migrations WHERE name = '9999_future'`.execute(db);
        assert.equal((await fetch(`${running.base}health`)).status, 200);
        await sql`DELETE FROM mxauth_migrations WHERE name = '0006_token_change_notices'`.execute(db);
        const behind = await fetch(`${running.base}health`);
        assert.equal(behind.status, 503);
        assert.match(((await behind.json()) as { reason: string }).reason, /1 migration\(s\) pending/);
      } finally {
        await running.close();
      }
    });

    test('a refused introspection Bearer is logged once at warn, saying what to check', async () => {
      const logs = sink();
      const running = await startMxauth(kind, {}, { mxauth: { logger: logs.logger } });
      try {
        for (let i = 0; i < 5; i++) assert.equal((await introspect(running.base, 'wrong')).status, 401);
        const warnings = logs.lines.filter((l) => l.level === 'warn' && /Bearer/.test(String(l.msg)));
        assert.equal(warnings.length, 1);
        assert.match(String(warnings[0]!.msg), /matrix_authentication_service\.secret/);
      } finally {
        await running.close();
      }
    });
  });
}

// SQLite is a file the process opens itself: there is no server to go away, so this is PostgreSQL only.
describe('introspection while PostgreSQL is down [postgres]', () => {
  test('answers 503 temporarily_unavailable, logged once with a count', async () => {
    const database = await createTestDatabase('postgres');
    const upstream = new URL(POSTGRES_URI);
    const sockets = new Set<Socket>();
    let down = false;
    const proxy: Server = createNetServer((downstream) => {
      if (down) return void downstream.destroy();
      const server = connect(Number(upstream.port || 5432), upstream.hostname);
      sockets.add(downstream).add(server);
      downstream.pipe(server).pipe(downstream);
      const end = () => {
        server.destroy();
        downstream.destroy();
      };
      server.on('error', end).on('close', end);
      downstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const viaProxy = new URL(database.uri);
    viaProxy.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const logs = sink();
    const running = await startMxauth(
      'postgres',
      { database: { uri: viaProxy.toString() } },
      { database, mxauth: { logger: logs.logger } },
    );
    try {
      assert.equal((await introspect(running.base, HOMESERVER_SECRET)).status, 200);
      down = true;
      for (const socket of sockets) socket.destroy();
      for (let i = 0; i < 4; i++) {
        const answer = await introspect(running.base, HOMESERVER_SECRET);
        assert.equal(answer.status, 503);
        assert.equal(((await answer.json()) as { error: string }).error, 'temporarily_unavailable');
      }
      const errors = logs.lines.filter((l) => /introspection cannot read the database/.test(String(l.msg)));
      assert.equal(errors.length, 1, 'four failures, one line');
      down = false;
      let back = 0;
      for (let i = 0; i < 100 && back !== 200; i++)
        back = (await introspect(running.base, HOMESERVER_SECRET)).status;
      assert.equal(back, 200);
      const again = logs.lines.find((l) => l.msg === 'introspection reads the database again');
      assert.ok(again);
      assert.ok(Number(again.repeated) >= 3);
    } finally {
      await running.close();
      await new Promise((resolve) => proxy.close(resolve));
      await database.drop();
    }
  });
});
