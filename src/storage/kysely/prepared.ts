import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { Tables } from '../tables.js';
import type { RepositoryContext } from './context.js';

/** A query compiled once: its SQL text, and the parameter list for a call's values. */
export interface CompiledOnce {
  readonly sql: string;
  parameters(values: readonly unknown[]): unknown[];
}

/**
 * Compiles a query on first use. `build` receives placeholder values, one per parameter, in the order
 * they are passed later; other parameters of the query stay as they were built.
 */
export function compileOnce<Row>(
  arity: number,
  build: (...placeholders: string[]) => Compilable<Row>,
): () => CompiledOnce {
  let compiled: CompiledOnce | undefined;
  return () => {
    if (compiled) return compiled;
    const placeholders = Array.from({ length: arity }, (_, i) => `\u0000mxauth-placeholder-${i}\u0000`);
    const query = build(...placeholders).compile();
    const slots = query.parameters.map((p) => {
      const slot = placeholders.indexOf(p as string);
      return slot === -1 ? { constant: p } : slot;
    });
    compiled = {
      sql: query.sql,
      parameters: (values) => slots.map((slot) => (typeof slot === 'number' ? values[slot] : slot.constant)),
    };
    return compiled;
  };
}

/**
 * Builds a query once and runs it many times with new values. Kysely otherwise rebuilds and recompiles the
 * query on every call, which costs more than an indexed lookup itself on the hot paths (introspection).
 */
export function prepared<Row>(
  db: Kysely<Tables>,
  arity: number,
  build: (...placeholders: string[]) => Compilable<Row>,
): (...values: unknown[]) => Promise<Row[]> {
  const compiled = compileOnce(arity, build);
  return async (...values) => {
    const { sql, parameters } = compiled();
    const result = await db.executeQuery<Row>(CompiledQuery.raw(sql, parameters(values)));
    return result.rows;
  };
}

/**
 * A compiled hot-path query run without promises (see FastPath): on SQLite synchronously on the
 * read-only connection, on PostgreSQL as a named prepared statement (parsed and planned once per
 * connection), and through Kysely only inside a transaction (neither is available there).
 */
export function hotQuery<Row>(
  ctx: RepositoryContext,
  name: string,
  compiled: () => CompiledOnce,
): (values: readonly unknown[], done: (error: unknown, rows: Row[] | undefined) => void) => void {
  let statement: { all(parameters: unknown[]): unknown[] } | undefined;
  return (values, done) => {
    const { sql, parameters } = compiled();
    const bound = parameters(values);
    const reader = ctx.sqliteReader;
    if (reader) {
      let rows: Row[];
      try {
        statement ??= reader.prepare(sql);
        rows = statement.all(bound) as Row[];
      } catch (error) {
        return done(error, undefined);
      }
      return done(undefined, rows);
    }
    if (ctx.pgPool) {
      ctx.pgPool.query({ name, text: sql, values: bound }, (error, result) =>
        error ? done(error, undefined) : done(undefined, result.rows as Row[]),
      );
      return;
    }
    ctx.db.executeQuery<Row>(CompiledQuery.raw(sql, bound)).then(
      (result) => done(undefined, result.rows),
      (error: unknown) => done(error, undefined),
    );
  };
}

/** A `hotQuery` callback that turns rows into a result with `collect`; a throw there becomes an error. */
export function collectInto<Row, T>(
  collect: (rows: Row[]) => T,
  done: (error: unknown, result: T | undefined) => void,
): (error: unknown, rows: Row[] | undefined) => void {
  return (error, rows) => {
    if (error) return done(error, undefined);
    let result: T;
    try {
      result = collect(rows!);
    } catch (e) {
      return done(e, undefined);
    }
    done(undefined, result);
  };
}
