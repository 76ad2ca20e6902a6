import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { openDatabase } from '../../src/storage/database.js';
import { migrateToLatest, pendingMigrations } from '../../src/storage/migrate.js';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { createTestDatabase, DATABASE_KINDS } from '../helpers/databases.js';

/** Tables of this test's own database (PostgreSQL: its own schema, not those of runs beside it). */
async function tableNames(db: Kysely<unknown>, kind: string): Promise<string[]> {
  const tables = await db.introspection.getTables();
  const schema =
    kind === 'postgres'
      ? (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db)).rows[0]?.s
      : undefined;
  return tables
    .filter((t) => schema === undefined || t.schema === schema)
    .map((t) => t.name)
    .sort();
}

for (const kind of DATABASE_KINDS) {
  describe(`migrations [${kind}]`, () => {
    test('migrate creates the schema once; running it again changes nothing', async () => {
      const test = await createTestDatabase(kind);
      const opened = await openDatabase(test.uri);
      assert.ok(opened.ok);
      try {
        const all = Object.keys(await migrationProvider.getMigrations()).sort();
        assert.deepEqual(await pendingMigrations(opened.value), all);
        const first = await migrateToLatest(opened.value);
        assert.deepEqual(first, { ok: true, value: { applied: all, alreadyApplied: 0 } });
        const second = await migrateToLatest(opened.value);
        assert.deepEqual(second, { ok: true, value: { applied: [], alreadyApplied: all.length } });
        assert.deepEqual(await pendingMigrations(opened.value), []);
        const names = await tableNames(opened.value.db as Kysely<unknown>, kind);
        for (const table of [
          'users',
          'user_passwords',
          'user_emails',
          'jobs',
          'oauth_records',
          'oauth_sessions',
        ])
          assert.ok(names.includes(table), table);
      } finally {
        await opened.value.close();
        await test.drop();
      }
    });

    test('a failing migration leaves nothing half-done: earlier ones in the same run roll back too', async () => {
      const test = await createTestDatabase(kind);
      const opened = await openDatabase(test.uri);
      assert.ok(opened.ok);
      try {
        const real = await migrationProvider.getMigrations();
        const broken = {
          getMigrations: async () => ({
            ...real,
            '9999_broken': {
              up: async (db: Kysely<unknown>) => {
                await db.schema.createTable('half_done').addColumn('id', 'text').execute();
                await sql`SELECT * FROM no_such_table`.execute(db);
              },
            },
          }),
        };
        const result = await migrateToLatest(opened.value, broken);
        assert.ok(!result.ok);
        assert.match(result.error, /migration 9999_broken failed and was rolled back/);
        const names = await tableNames(opened.value.db as Kysely<unknown>, kind);
        assert.ok(!names.includes('half_done'));
        assert.ok(
          !names.includes('users'),
          'the real migrations ran in the same transaction and were rolled back',
        );
        assert.deepEqual(await pendingMigrations(opened.value), Object.keys(real).sort());
      } finally {
        await opened.value.close();
        await test.drop();
      }
    });
  });
}

test('an SQLite path in a missing directory is one clear sentence', async () => {
  const result = await openDatabase('sqlite:/nonexistent/dir/mxauth.db');
  assert.deepEqual(result, {
    ok: false,
    error:
      'cannot open the SQLite database /nonexistent/dir/mxauth.db: the directory /nonexistent/dir does not exist',
  });
});

test('PostgreSQL that is not running is one clear sentence', async () => {
  const result = await openDatabase('postgresql://postgres@127.0.0.1:1/test', { connectTimeoutMs: 2000 });
  assert.deepEqual(result, {
    ok: false,
    error: 'cannot connect to PostgreSQL at 127.0.0.1:1/test: connection refused (is the server running?)',
  });
});
