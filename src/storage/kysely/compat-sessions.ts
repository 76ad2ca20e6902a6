import type { Selectable } from 'kysely';
import type { CompatOrigin, CompatSession } from '../../domain/compat-session.js';
import type { CompatSessionRepository } from '../repositories.js';
import type { CompatSessionsTable } from '../tables.js';
import { newId, type RepositoryContext, toDate } from './context.js';
import { pageById, sessionFilter } from './paging.js';

export function kyselyCompatSessions(ctx: RepositoryContext): CompatSessionRepository {
  const { db } = ctx;
  const now = () => ctx.clock.now().getTime();
  const sessions = () => db.selectFrom('compat_sessions').selectAll();

  return {
    async create(input) {
      const row: CompatSessionsTable = {
        id: newId(ctx),
        user_id: input.userId,
        device_id: input.deviceId,
        origin: input.origin,
        is_admin: input.isAdmin,
        display_name: input.displayName,
        user_agent: input.userAgent,
        created_at: now(),
        last_active_at: now(),
        last_active_ip: input.ip,
        finished_at: null,
      };
      await db.insertInto('compat_sessions').values(row).execute();
      return toCompatSession(row);
    },
    async find(id) {
      const row = await sessions().where('id', '=', id).executeTakeFirst();
      return row && toCompatSession(row);
    },
    async activeForDevice(userId, deviceId) {
      const rows = await sessions()
        .where('user_id', '=', userId)
        .where('device_id', '=', deviceId)
        .where('finished_at', 'is', null)
        .execute();
      return rows.map(toCompatSession);
    },
    page: (filter, page) =>
      pageById(sessionFilter(db.selectFrom('compat_sessions'), filter).selectAll(), page, toCompatSession),
    async count(filter) {
      const row = await sessionFilter(db.selectFrom('compat_sessions'), filter)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async listForUser(userId, { active }) {
      let query = sessions().where('user_id', '=', userId).orderBy('id', 'desc');
      if (active) query = query.where('finished_at', 'is', null);
      return (await query.execute()).map(toCompatSession);
    },
    async finish(id) {
      // The session's tokens die with it, in the same step: no caller may end one and forget the other.
      await db.deleteFrom('compat_access_tokens').where('session_id', '=', id).execute();
      await db.deleteFrom('compat_refresh_tokens').where('session_id', '=', id).execute();
      const row = await db
        .updateTable('compat_sessions')
        .set({ finished_at: now() })
        .where('id', '=', id)
        .where('finished_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return row && toCompatSession(row);
    },
    async touch(id, ip) {
      await db
        .updateTable('compat_sessions')
        .set({ last_active_at: now(), last_active_ip: ip })
        .where('id', '=', id)
        .execute();
    },
    async rename(id, displayName) {
      await db
        .updateTable('compat_sessions')
        .set({ display_name: displayName })
        .where('id', '=', id)
        .execute();
    },
  };
}

/** A `compat_sessions` row as the domain sees it (the token queries join it too). */
export function toCompatSession(row: Selectable<CompatSessionsTable>): CompatSession {
  return {
    id: row.id,
    userId: row.user_id,
    deviceId: row.device_id,
    origin: row.origin as CompatOrigin,
    isAdmin: Boolean(row.is_admin),
    displayName: row.display_name,
    userAgent: row.user_agent,
    createdAt: new Date(Number(row.created_at)),
    lastActiveAt: toDate(row.last_active_at),
    lastActiveIp: row.last_active_ip,
    finishedAt: toDate(row.finished_at),
  };
}
