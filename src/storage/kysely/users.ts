import type { Selectable } from 'kysely';
import { err, ok } from '../../domain/result.js';
import type { User } from '../../domain/user.js';
import type { UserFilter, UserRepository } from '../repositories.js';
import type { UsersTable } from '../tables.js';
import { isUniqueViolation, newId, type RepositoryContext, toDate } from './context.js';
import { containsText, pageById } from './paging.js';
import { prepared } from './prepared.js';

export function kyselyUsers(ctx: RepositoryContext): UserRepository {
  const { db } = ctx;
  const filtered = (filter: UserFilter) => {
    let query = db.selectFrom('users');
    // The same precedence as userStatus (domain/user.ts): deactivation outranks a lock.
    if (filter.status === 'deactivated') query = query.where('deactivated_at', 'is not', null);
    else if (filter.status !== undefined)
      query = query
        .where('deactivated_at', 'is', null)
        .where('locked_at', filter.status === 'locked' ? 'is not' : 'is', null);
    if (filter.canRequestAdmin !== undefined)
      query = query.where(
        'can_request_admin',
        '=',
        ctx.dialect === 'postgres' ? filter.canRequestAdmin : Number(filter.canRequestAdmin),
      );
    if (filter.search) query = query.where(containsText('localpart', filter.search.toLowerCase()));
    return query;
  };
  const update = async (id: string, values: Partial<UsersTable>) => {
    const row = await db
      .updateTable('users')
      .set(values)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  };
  const byId = prepared(db, 1, (id) => db.selectFrom('users').selectAll().where('id', '=', id));
  return {
    async create(input) {
      const row: UsersTable = {
        id: newId(ctx),
        localpart: input.localpart,
        display_name: input.displayName ?? null,
        can_request_admin: input.canRequestAdmin ?? false,
        created_at: ctx.clock.now().getTime(),
        locked_at: null,
        deactivated_at: null,
      };
      try {
        await db.insertInto('users').values(row).execute();
      } catch (e) {
        if (isUniqueViolation(e)) return err('taken');
        throw e;
      }
      return ok(toUser(row));
    },
    async findById(id) {
      const [row] = await byId(id);
      return row && toUser(row);
    },
    async findByLocalpart(localpart) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('localpart', '=', localpart)
        .executeTakeFirst();
      return row && toUser(row);
    },
    async list({ after, limit }) {
      let query = db.selectFrom('users').selectAll().orderBy('localpart').limit(limit);
      if (after !== undefined) query = query.where('localpart', '>', after);
      return (await query.execute()).map(toUser);
    },
    page: (filter, page) => pageById(filtered(filter).selectAll(), page, toUser),
    async count(filter = {}) {
      const row = await filtered(filter)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    setLocked: (id, locked) => update(id, { locked_at: locked ? ctx.clock.now().getTime() : null }),
    setCanRequestAdmin: (id, canRequestAdmin) => update(id, { can_request_admin: canRequestAdmin }),
    setDisplayName: (id, displayName) => update(id, { display_name: displayName }),
    setDeactivated: (id, deactivated) =>
      update(id, { deactivated_at: deactivated ? ctx.clock.now().getTime() : null }),
  };
}

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    localpart: row.localpart,
    displayName: row.display_name,
    canRequestAdmin: Boolean(row.can_request_admin),
    createdAt: new Date(Number(row.created_at)),
    lockedAt: toDate(row.locked_at),
    deactivatedAt: toDate(row.deactivated_at),
  };
}
