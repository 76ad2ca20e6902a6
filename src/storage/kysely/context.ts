import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Clock } from '../../domain/clock.js';
import type { Rng } from '../../domain/random.js';
import type { DialectName } from '../database.js';
import type { Tables } from '../tables.js';

/** What every repository needs: a connection (or the current transaction), the dialect, time and randomness. */
export interface RepositoryContext {
  db: Kysely<Tables>;
  dialect: DialectName;
  clock: Clock;
  rng: Rng;
  /** SQLite's read-only connection, outside transactions only (see Database.sqliteReader). */
  sqliteReader?: SqliteDatabase.Database;
  /** PostgreSQL's pool, outside transactions only (see Database.pgPool). */
  pgPool?: pg.Pool;
  /** ULIDs, monotonic within this storage instance. */
  newId: () => string;
}

export const newId = (ctx: RepositoryContext): string => ctx.newId();

export const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(Number(ms)));

/** True for a UNIQUE constraint violation, on either database. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
