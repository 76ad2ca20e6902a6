import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import {
  type AddressInfo,
  connect,
  createServer as createNetServer,
  type Server,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type * as oidc from 'openid-client';
import pg from 'pg';
import { stringify } from 'yaml';
import { openDatabase } from '../../src/storage/database.js';
import { tokenStateChannel } from '../../src/storage/token-changes.js';
import { cli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, DATABASE_KINDS, POSTGRES_URI, type TestDatabase } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { introspectAsHomeserver, signInDevice } from '../helpers/homeserver-flows.js';
import {
  HOMESERVER_SECRET,
  type RunningMxauth,
  registerClient,
  startMxauth,
} from '../helpers/oauth-server.js';
import { openTransaction } from '../helpers/open-transaction.js';

const PASSWORD = 'correct horse battery staple';

/**
 * Introspection answers live tokens from memory once it has seen them. Each test first introspects a
 * token (so it is cached), then changes the token or its owner some way, and expects the next answers
 * to show the change: at once where the change is made in the same process (or, on SQLite, anywhere),
 * and within the notification's delivery where another process makes it on PostgreSQL. Without the
 * database's change notices, the cached answer would stay active for minutes and these tests fail.
 */
for (const kind of DATABASE_KINDS) {
  describe(`introspection cache [${kind}]`, () => {
    let database: TestDatabase;
    let running: RunningMxauth;
    let client: oidc.Configuration;
    let configFile: string;
    let devices = 0;

    before(async () => {
      database = await createTestDatabase(kind);
      running = await startMxauth(kind, {}, { database });
      client = await registerClient(running);
      configFile = join(mkdtempSync(join(tmpdir(), 'mxauth-cache-')), 'config.yaml');
      writeFileSync(
        configFile,
        stringify(
          testConfig({
            http: { public_base: running.base },
            database: { uri: database.uri },
            matrix: { kind: 'none', homeserver: 'example.test', secret: HOMESERVER_SECRET },
          }),
        ),
      );
    });
    after(async () => {
      await running.close();
      await database.drop();
    });

    const newAccount = async (localpart: string) => {
      assert.ok((await running.mxauth.users.register({ localpart, password: PASSWORD })).ok);
    };
    const signIn = async (localpart: string) => {
      const { status, body } = await signInDevice(
        running.base,
        client,
        { localpart, password: PASSWORD },
        `CACHE${++devices}`,
      );
      assert.equal(status, 200, JSON.stringify(body));
      return body as { access_token: string; refresh_token: string };
    };
    const introspect = (token: string) => introspectAsHomeserver(running.base, HOMESERVER_SECRET, token);
    const active = async (token: string) => (await introspect(token)).active === true;
    /** Cached now: the second answer came from memory (the first one put it there). */
    const cached = async (token: string) => {
      assert.equal(await active(token), true);
      assert.equal(await active(token), true);
    };
    /** Another process's change: at once on SQLite, after the notification on PostgreSQL. */
    const showsSoon = async (what: string, check: () => Promise<boolean>) => {
      if (kind === 'sqlite') assert.ok(await check(), what);
      else await eventually(what, check);
    };
    /** PostgreSQL: the schema mxauth's tables are in (the test database's search_path). */
    const schema = () => new URL(database.uri).searchParams.get('options')!.split('search_path=')[1]!;
    const qualified = (table: string) => (kind === 'postgres' ? `${schema()}.${table}` : table);
    /**
     * SQL as an operator runs it: on SQLite another connection to the file; on PostgreSQL a plain session
     * with its default search_path, naming mxauth's schema.
     */
    const operatorSql = async (statement: string) => {
      if (kind === 'sqlite') {
        await otherConnection(({ value }) => sql.raw(statement).execute(value.db));
        return;
      }
      const session = new pg.Client({ connectionString: POSTGRES_URI });
      await session.connect();
      try {
        await session.query(statement);
      } finally {
        await session.end();
      }
    };
    const otherConnection = async <T>(
      work: (db: Awaited<ReturnType<typeof openDatabase>> & { ok: true }) => Promise<T>,
    ) => {
      const opened = await openDatabase(database.uri);
      assert.ok(opened.ok);
      try {
        return await work(opened);
      } finally {
        await opened.value.close();
      }
    };

    test('a revoked token is inactive at the very next introspection', async () => {
      await newAccount('ada');
      const tokens = await signIn('ada');
      await cached(tokens.access_token);
      const revoked = await fetch(`${running.base}oauth2/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token: tokens.access_token,
          client_id: client.clientMetadata().client_id,
        }),
      });
      assert.equal(revoked.status, 200);
      assert.equal(await active(tokens.access_token), false);
    });

    test('a lock made through the services is seen at once; unlocking brings the token back', async () => {
      await newAccount('bea');
      const tokens = await signIn('bea');
      await cached(tokens.access_token);
      assert.ok((await running.mxauth.users.setLocked('bea', true)).ok);
      assert.equal(await active(tokens.access_token), false);
      assert.ok((await running.mxauth.users.setLocked('bea', false)).ok);
      assert.equal(await active(tokens.access_token), true);
    });

    test("an operator's SQL on another connection locks the account for introspection too", async () => {
      await newAccount('cai');
      const tokens = await signIn('cai');
      await cached(tokens.access_token);
      await operatorSql(`update ${qualified('users')} set locked_at = ${Date.now()} where localpart = 'cai'`);
      await showsSoon(
        'the locked account token is inactive',
        async () => !(await active(tokens.access_token)),
      );
    });

    test('a lock from the CLI (another process) ends the cached token', async () => {
      await newAccount('dov');
      const tokens = await signIn('dov');
      await cached(tokens.access_token);
      const locked = await cli(['manage', 'lock-user', 'dov', '--config', configFile]);
      assert.equal(locked.code, 0, locked.stderr);
      await showsSoon('the token is inactive', async () => !(await active(tokens.access_token)));
    });

    test('a token deleted by SQL on another connection is inactive', async () => {
      await newAccount('eve');
      const tokens = await signIn('eve');
      await cached(tokens.access_token);
      await operatorSql(`delete from ${qualified('oauth_records')} where model = 'AccessToken'
        and account_id = (select id from ${qualified('users')} where localpart = 'eve')`);
      await showsSoon('the deleted token is inactive', async () => !(await active(tokens.access_token)));
    });

    test('a token whose stored hash is rewritten by SQL is inactive', async () => {
      await newAccount('hal');
      const tokens = await signIn('hal');
      await cached(tokens.access_token);
      await operatorSql(`update ${qualified('oauth_records')} set id_hash = 'moved-' || id_hash
        where model = 'AccessToken' and account_id = (select id from ${qualified('users')} where localpart = 'hal')`);
      await showsSoon('the moved token is inactive', async () => !(await active(tokens.access_token)));
    });

    test('a compat token is inactive at once after its logout', async () => {
      await newAccount('ida');
      const login = await fetch(`${running.base}_matrix/client/v3/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'm.login.password',
          identifier: { type: 'm.id.user', user: 'ida' },
          password: PASSWORD,
        }),
      });
      assert.equal(login.status, 200);
      const { access_token: token } = (await login.json()) as { access_token: string };
      await cached(token);
      const logout = await fetch(`${running.base}_matrix/client/v3/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(logout.status, 200);
      assert.equal(await active(token), false);
    });

    test('what a transaction reads before it commits is not kept', async () => {
      await newAccount('fox');
      const tokens = await signIn('fox');
      await cached(tokens.access_token);
      const user = await running.mxauth.services.storage.users.findByLocalpart('fox');
      assert.ok(user);
      const transaction = await openTransaction(running.mxauth.services.storage, (tx) =>
        tx.users.setLocked(user.id, true),
      );
      // Not committed yet: the token is still active (and that answer must not be remembered).
      assert.equal(await active(tokens.access_token), true);
      assert.equal(await active(tokens.access_token), true);
      await transaction.commit();
      assert.equal(await active(tokens.access_token), false);
    });

    if (kind === 'postgres') {
      // It empties the token table: the tests after it sign in afresh.
      test('TRUNCATE, which fires no row triggers, ends cached tokens too', async () => {
        await newAccount('ivy');
        const tokens = await signIn('ivy');
        await cached(tokens.access_token);
        await operatorSql(`truncate ${qualified('oauth_records')}`);
        await showsSoon('the truncated token is inactive', async () => !(await active(tokens.access_token)));
      });

      test('while the change listener reconnects, answers come from the database', async () => {
        await newAccount('gus');
        const tokens = await signIn('gus');
        await cached(tokens.access_token);
        // Cut the listening connection; a change made now is announced to nobody.
        const admin = new pg.Client({ connectionString: POSTGRES_URI });
        await admin.connect();
        try {
          const { rowCount } = await admin.query(
            'select pg_terminate_backend(pid) from pg_stat_activity where query = $1',
            [`LISTEN "${tokenStateChannel(schema())}"`],
          );
          assert.ok((rowCount ?? 0) >= 1, 'the listener was found');
        } finally {
          await admin.end();
        }
        // The listener's socket carries the termination at once; the event loop reads it soon after.
        const changes = running.mxauth.services.tokenChanges!;
        await eventually('the cut is noticed: cached answers are not used', () => !changes.check());
        await otherConnection(({ value }) =>
          sql`update users set locked_at = ${Date.now()} where localpart = 'gus'`.execute(value.db),
        );
        assert.equal(await active(tokens.access_token), false, 'not served from memory while deaf');
        // And once it listens again (a real timer: reconnecting is network work), what it kept is gone.
        await eventually('the listener is back', () => changes.check());
        assert.equal(await active(tokens.access_token), false);
      });
    }
  });
}

/**
 * A listening connection can die without a word (a NAT or firewall forgetting it): no error, no close,
 * and notifications simply stop. mxauth talks to PostgreSQL through a loopback proxy here that can
 * silently stop carrying the listener's connection; the heartbeat must notice within seconds, or a
 * change made elsewhere would be answered from memory for minutes.
 */
describe('introspection cache when the change listener goes silent [postgres]', () => {
  let database: TestDatabase;
  let proxy: Server;
  let running: RunningMxauth;
  let client: oidc.Configuration;
  const listeners = new Set<Socket>();
  const frozen = new Set<Socket>();

  before(async () => {
    database = await createTestDatabase('postgres');
    const upstream = new URL(POSTGRES_URI);
    proxy = createNetServer((downstream) => {
      const server = connect(Number(upstream.port || 5432), upstream.hostname);
      downstream.on('data', (chunk) => {
        // The listener is the connection that sends LISTEN (the protocol is plain text locally).
        if (chunk.includes('LISTEN "mxauth_tokens_')) listeners.add(downstream);
        if (!frozen.has(downstream)) server.write(chunk);
      });
      server.on('data', (chunk) => {
        if (!frozen.has(downstream)) downstream.write(chunk);
      });
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
    // The real clock: the heartbeat's timer is a real interval and what it detects is a socket silent for
    // seconds of real time, so the clock its deadline reads must move with it.
    running = await startMxauth(
      'postgres',
      { database: { uri: viaProxy.toString() } },
      { database, clock: 'real' },
    );
    client = await registerClient(running);
    assert.ok((await running.mxauth.users.register({ localpart: 'jon', password: PASSWORD })).ok);
  });
  after(async () => {
    await running.close();
    for (const socket of listeners) socket.destroy();
    await new Promise((resolve) => proxy.close(resolve));
    await database.drop();
  });

  test('a lock made elsewhere while the listener hears nothing is answered within seconds', async () => {
    const { status, body } = await signInDevice(
      running.base,
      client,
      { localpart: 'jon', password: PASSWORD },
      'SILENT1',
    );
    assert.equal(status, 200);
    const token = body.access_token!;
    const active = async () =>
      (await introspectAsHomeserver(running.base, HOMESERVER_SECRET, token)).active === true;
    assert.equal(await active(), true);
    assert.equal(await active(), true);
    assert.equal(listeners.size, 1, 'the listener went through the proxy');
    for (const socket of listeners) frozen.add(socket);
    const session = new pg.Client({ connectionString: database.uri });
    await session.connect();
    try {
      await session.query(`update users set locked_at = $1 where localpart = 'jon'`, [Date.now()]);
    } finally {
      await session.end();
    }
    await eventually('the locked account token is inactive', async () => !(await active()));
  });
});
