import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { Tables } from '../tables.js';

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
