import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { Tables } from '../tables.js';

/**
 * Builds a query once and runs it many times with new values. Kysely otherwise rebuilds and recompiles the
 * query on every call, which costs more than an indexed lookup itself on the hot paths (introspection).
 * `build` receives placeholder values, one per parameter, in the order they are passed later.
 */
export function prepared<Row>(
  db: Kysely<Tables>,
  arity: number,
  build: (...placeholders: string[]) => Compilable<Row>,
): (...values: unknown[]) => Promise<Row[]> {
  let compiled: { sql: string; slots: (number | { constant: unknown })[] } | undefined;
  return async (...values) => {
    if (!compiled) {
      const placeholders = Array.from({ length: arity }, (_, i) => `\u0000mxauth-placeholder-${i}\u0000`);
      const query = build(...placeholders).compile();
      compiled = {
        sql: query.sql,
        slots: query.parameters.map((p) => {
          const slot = placeholders.indexOf(p as string);
          return slot === -1 ? { constant: p } : slot;
        }),
      };
    }
    const parameters = compiled.slots.map((slot) =>
      typeof slot === 'number' ? values[slot] : slot.constant,
    );
    const result = await db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters));
    return result.rows;
  };
}
