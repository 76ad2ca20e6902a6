import { type MigrationProvider, Migrator, sql } from 'kysely';
import { err, ok, type Result } from '../domain/result.js';
import type { Database } from './database.js';
import { migrationProvider } from './migrations/index.js';

export interface MigrationReport {
  applied: string[];
  /** Migrations already in the database before this run. */
  alreadyApplied: number;
}

async function migrator(
  database: Database,
  provider: MigrationProvider = migrationProvider,
): Promise<Migrator> {
  return new Migrator({
    db: database.db,
    provider,
    migrationTableName: 'mxauth_migrations',
    migrationLockTableName: 'mxauth_migrations_lock',
    // Kysely looks for its tables in every schema unless told which; with two mxauth databases in one
    // PostgreSQL database (schemas via search_path) it would find the other's.
    migrationTableSchema: await currentSchema(database),
  });
}

async function currentSchema(database: Database): Promise<string | undefined> {
  if (database.dialect !== 'postgres') return undefined;
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(database.db);
  return rows[0]?.schema;
}

/**
 * Brings the schema up to date. All pending migrations run in one transaction under Kysely's migration
 * lock (a PostgreSQL advisory lock), so instances starting together migrate once, and a failure leaves
 * the schema exactly as it was.
 */
export async function migrateToLatest(
  database: Database,
  provider?: MigrationProvider,
): Promise<Result<MigrationReport, string>> {
  let m: Migrator;
  let before: number;
  try {
    m = await migrator(database, provider);
    before = (await m.getMigrations()).filter((x) => x.executedAt).length;
  } catch (e) {
    return err(`cannot read the migration state: ${(e as Error).message}`);
  }
  const { error, results } = await m.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const message = error instanceof Error ? error.message : String(error);
    return err(`migration ${failed ?? ''} failed and was rolled back: ${message}`.replace('  ', ' '));
  }
  return ok({
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    alreadyApplied: before,
  });
}

/** Names of migrations the code has that the database has not run. */
export async function pendingMigrations(database: Database): Promise<string[]> {
  return (await (await migrator(database)).getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}

/**
 * Why the schema is not the one this code was written for, or undefined when it is: migrations this code
 * has that the database has not run (a `--no-migrate` start, a restored backup), or migrations the
 * database has that this code lacks (a newer mxauth migrated it during a rolling upgrade). Read on every
 * health check, so it is one query; it throws when the database does not answer.
 */
export async function schemaMismatch(database: Database): Promise<string | undefined> {
  const expected = Object.keys(await migrationProvider.getMigrations());
  let applied: string[];
  try {
    // Unqualified, the name resolves through search_path like every query of this server's tables.
    const { rows } = await sql<{ name: string }>`SELECT name FROM mxauth_migrations`.execute(database.db);
    applied = rows.map((r) => r.name);
  } catch (e) {
    // No migration table at all, or no database: only the second is an error of its own.
    await sql`SELECT 1`.execute(database.db);
    if (e instanceof Error && /mxauth_migrations/.test(e.message)) applied = [];
    else throw e;
  }
  const pending = expected.filter((name) => !applied.includes(name));
  const unknown = applied.filter((name) => !expected.includes(name));
  if (unknown.length > 0)
    return `the database schema is newer than this mxauth (${unknown.join(', ')} applied by a newer version): upgrade this instance`;
  if (pending.length > 0)
    return `the database schema is out of date (${pending.length} migration(s) pending): run \`mxauth database migrate\``;
  return undefined;
}
