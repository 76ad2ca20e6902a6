import { type MigrationProvider, Migrator } from 'kysely';
import { err, ok, type Result } from '../domain/result.js';
import type { Database } from './database.js';
import { migrationProvider } from './migrations/index.js';

export interface MigrationReport {
  applied: string[];
  /** Migrations already in the database before this run. */
  alreadyApplied: number;
}

function migrator(database: Database, provider: MigrationProvider = migrationProvider): Migrator {
  return new Migrator({
    db: database.db,
    provider,
    migrationTableName: 'mxauth_migrations',
    migrationLockTableName: 'mxauth_migrations_lock',
  });
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
  const m = migrator(database, provider);
  let before: number;
  try {
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
  return (await migrator(database).getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}
