import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';

export type TestDatabaseKind = 'sqlite' | 'postgres';

/** Every storage test runs once per database; both must pass. */
export const DATABASE_KINDS: TestDatabaseKind[] = ['sqlite', 'postgres'];

export const POSTGRES_URI =
  process.env.MXAUTH_TEST_POSTGRES_URI ?? 'postgresql://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** A URI mxauth can open: a fresh SQLite file, or the test PostgreSQL restricted to a fresh schema. */
  uri: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database of the given kind. PostgreSQL tests each get their own schema (via the
 * connection's search_path), so concurrent runs and files never see each other's rows.
 */
export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    // A file, as in production: WAL, and the separate read-only connection of the hot paths, take part.
    const dir = mkdtempSync(join(tmpdir(), 'mxauth-test-'));
    return {
      kind,
      uri: `sqlite:${join(dir, 'mxauth.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `mxauth_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  const url = new URL(POSTGRES_URI);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { kind, uri: url.toString(), drop: () => adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URI });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(
      `the PostgreSQL tests need a server at ${POSTGRES_URI} (set MXAUTH_TEST_POSTGRES_URI): ${(e as Error).message}`,
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** An opened and migrated database; close() also drops the PostgreSQL schema. */
export async function openMigrated(
  kind: TestDatabaseKind,
  postgres: { options?: string } = {},
): Promise<Database & { uri: string }> {
  const test = await createTestDatabase(kind);
  let uri = test.uri;
  if (kind === 'postgres' && postgres.options) {
    const url = new URL(uri);
    url.searchParams.set('options', `${url.searchParams.get('options')} ${postgres.options}`);
    uri = url.toString();
  }
  const opened = await openDatabase(uri);
  if (!opened.ok) throw new Error(opened.error);
  const migrated = await migrateToLatest(opened.value);
  if (!migrated.ok) throw new Error(migrated.error);
  return {
    ...opened.value,
    uri,
    close: async () => {
      await opened.value.close();
      await test.drop();
    },
  };
}
