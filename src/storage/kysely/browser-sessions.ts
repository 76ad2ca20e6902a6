import type { Selectable } from 'kysely';
import type { BrowserSession } from '../../domain/account.js';
import type { BrowserSessionRepository } from '../repositories.js';
import type { BrowserSessionsTable } from '../tables.js';
import { type RepositoryContext, toDate } from './context.js';

export function kyselyBrowserSessions(ctx: RepositoryContext): BrowserSessionRepository {
  const { db } = ctx;
  return {
    async touch(input) {
      const now = ctx.clock.now().getTime();
      await db
        .insertInto('browser_sessions')
        .values({
          id: input.id,
          user_id: input.userId,
          created_at: now,
          last_active_at: now,
          last_active_ip: input.ip,
          user_agent: input.userAgent,
          finished_at: null,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => {
            // The engine keeps its session id when another account signs in on the same browser: the
            // row then becomes that account's, as a new sign-in.
            const sameUser = eb('browser_sessions.user_id', '=', input.userId);
            return {
              created_at: eb
                .case()
                .when(sameUser)
                .then(eb.ref('browser_sessions.created_at'))
                .else(now)
                .end(),
              finished_at: eb
                .case()
                .when(sameUser)
                .then(eb.ref('browser_sessions.finished_at'))
                .else(null)
                .end(),
              user_id: input.userId,
              last_active_at: now,
              last_active_ip: input.ip,
              ...(input.userAgent ? { user_agent: input.userAgent } : {}),
            };
          }),
        )
        .execute();
    },
    async find(id) {
      const row = await db.selectFrom('browser_sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toSession(row);
    },
    async listForUser(userId, options) {
      let query = db.selectFrom('browser_sessions').selectAll().where('user_id', '=', userId);
      if (options.active) query = query.where('finished_at', 'is', null);
      const rows = await query.orderBy('last_active_at', 'desc').execute();
      return rows.map(toSession);
    },
    async finish(id) {
      const row = await db
        .updateTable('browser_sessions')
        .set({ finished_at: ctx.clock.now().getTime() })
        .where('id', '=', id)
        .where('finished_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return row && toSession(row);
    },
  };
}

function toSession(row: Selectable<BrowserSessionsTable>): BrowserSession {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: new Date(Number(row.created_at)),
    lastActiveAt: toDate(row.last_active_at),
    lastActiveIp: row.last_active_ip,
    userAgent: row.user_agent,
    finishedAt: toDate(row.finished_at),
  };
}
