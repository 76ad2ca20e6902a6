import { type Expression, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { Page, PageRequest, SessionFilter } from '../repositories.js';
import type { Tables } from '../tables.js';

/** The most rows one page may hold: a caller asking for more gets this many. */
export const MAX_PAGE = 1000;

/**
 * One page of `query`'s rows in id order (ids are ULIDs: creation order), by keyset: `first` rows after
 * the cursor `after`, or the `last` rows before `before`. One row more than asked tells whether another
 * page follows in that direction; a cursor given says one precedes.
 */
export async function pageById<T extends keyof Tables, Row extends { id: string }, Item>(
  query: SelectQueryBuilder<Tables, T, Row>,
  request: PageRequest,
  toItem: (row: Row) => Item,
): Promise<Page<Item>> {
  // kysely cannot see that every table paged here has an `id`: the column is named through a cast.
  const id = 'id' as never;
  const backwards = request.last !== undefined && request.first === undefined;
  const asked = backwards ? request.last : request.first;
  // Whatever a caller passes through (a query parameter: NaN, 0, 2.5, 10⁹), the page has 1–MAX_PAGE rows.
  const size =
    asked !== undefined && Number.isFinite(asked) ? Math.max(1, Math.min(MAX_PAGE, Math.floor(asked))) : 100;
  let q = query;
  if (request.after !== undefined) q = q.where(id, '>', request.after as never);
  if (request.before !== undefined) q = q.where(id, '<', request.before as never);
  const rows = await q
    .orderBy(id, backwards ? 'desc' : 'asc')
    .limit(size + 1)
    .execute();
  const more = rows.length > size;
  const kept = rows.slice(0, size);
  if (backwards) kept.reverse();
  return {
    items: kept.map(toItem),
    hasNext: backwards ? request.before !== undefined : more,
    hasPrevious: backwards ? more : request.after !== undefined,
  };
}

/** `column` contains `text` literally: LIKE's wildcards in it are escaped (on both databases). */
export function containsText(column: string, text: string): Expression<SqlBool> {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`${sql.ref(column)} like ${pattern} escape ${'\\'}`;
}

/** The filter every session table shares (OAuth and compatibility sessions). */
export function sessionFilter<T extends 'oauth_sessions' | 'compat_sessions'>(
  query: SelectQueryBuilder<Tables, T, object>,
  filter: SessionFilter,
): SelectQueryBuilder<Tables, T, object> {
  let q = query as unknown as SelectQueryBuilder<Tables, 'oauth_sessions', object>;
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.deviceId !== undefined) q = q.where('device_id', '=', filter.deviceId);
  if (filter.status !== undefined)
    q = q.where('finished_at', filter.status === 'active' ? 'is' : 'is not', null);
  return q as unknown as SelectQueryBuilder<Tables, T, object>;
}
