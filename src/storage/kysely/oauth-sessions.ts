import type { Selectable } from 'kysely';
import type { OAuthSession } from '../../domain/oauth-session.js';
import type { ClientLocalizationRepository, OAuthSessionRepository, SessionFilter } from '../repositories.js';
import type { OAuthSessionsTable } from '../tables.js';
import { newId, type RepositoryContext, toDate } from './context.js';
import { pageById, sessionFilter } from './paging.js';

export function kyselyOAuthSessions(ctx: RepositoryContext): OAuthSessionRepository {
  const { db } = ctx;
  const filtered = (filter: SessionFilter & { clientId?: string }) => {
    let query = sessionFilter(db.selectFrom('oauth_sessions'), filter);
    if (filter.clientId !== undefined) query = query.where('client_id', '=', filter.clientId);
    return query;
  };
  const now = () => ctx.clock.now().getTime();
  return {
    async create(input) {
      const row: OAuthSessionsTable = {
        id: newId(ctx),
        user_id: input.userId,
        client_id: input.clientId,
        grant_id: input.grantId,
        device_id: input.deviceId,
        scope: input.scope,
        created_at: now(),
        last_active_at: null,
        last_active_ip: input.ip ?? null,
        user_agent: input.userAgent ?? null,
        finished_at: null,
        display_name: null,
        browser_session_id: input.browserSessionId ?? null,
      };
      await db.insertInto('oauth_sessions').values(row).execute();
      return toSession(row);
    },
    async findByGrantId(grantId) {
      const row = await db
        .selectFrom('oauth_sessions')
        .selectAll()
        .where('grant_id', '=', grantId)
        .executeTakeFirst();
      return row && toSession(row);
    },
    async activeForBrowserSessions(ids) {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('oauth_sessions')
        .selectAll()
        .where('browser_session_id', 'in', ids)
        .where('finished_at', 'is', null)
        .execute();
      return rows.map(toSession);
    },
    async findById(id) {
      const row = await db.selectFrom('oauth_sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toSession(row);
    },
    async activeForDevice(userId, deviceId) {
      const rows = await db
        .selectFrom('oauth_sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('device_id', '=', deviceId)
        .where('finished_at', 'is', null)
        .execute();
      return rows.map(toSession);
    },
    async withoutLiveTokens(limit) {
      // The sweep has deleted expired tokens: a session with none left can never be used again.
      const rows = await db
        .selectFrom('oauth_sessions as s')
        .selectAll('s')
        .where('s.finished_at', 'is', null)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('oauth_records as r')
                .select('r.id_hash')
                .whereRef('r.grant_id', '=', 's.grant_id')
                .where('r.model', 'in', ['AccessToken', 'RefreshToken'])
                .where('r.consumed_at', 'is', null),
            ),
          ),
        )
        .orderBy('s.id')
        .limit(limit)
        .execute();
      return rows.map(toSession);
    },
    page: (filter, page) => pageById(filtered(filter).selectAll(), page, toSession),
    async count(filter) {
      const row = await filtered(filter)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async listForUser(userId, { active }) {
      let query = db
        .selectFrom('oauth_sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('id', 'desc');
      if (active) query = query.where('finished_at', 'is', null);
      return (await query.execute()).map(toSession);
    },
    async finish(id) {
      const row = await db
        .updateTable('oauth_sessions')
        .set({ finished_at: now() })
        .where('id', '=', id)
        .where('finished_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return row && toSession(row);
    },
    async rename(id, displayName) {
      await db
        .updateTable('oauth_sessions')
        .set({ display_name: displayName })
        .where('id', '=', id)
        .execute();
    },
    async touch(id, ip) {
      await db
        .updateTable('oauth_sessions')
        .set({ last_active_at: now(), last_active_ip: ip })
        .where('id', '=', id)
        .execute();
    },
  };
}

export function kyselyClientLocalizations(ctx: RepositoryContext): ClientLocalizationRepository {
  const { db } = ctx;
  return {
    async save(clientId, values) {
      if (values.length === 0) return;
      await db
        .insertInto('oauth_client_localizations')
        .values(values.map((v) => ({ client_id: clientId, ...v })))
        .onConflict((oc) =>
          oc
            .columns(['client_id', 'field', 'language'])
            .doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
        )
        .execute();
    },
    async list(clientId) {
      return db
        .selectFrom('oauth_client_localizations')
        .select(['field', 'language', 'value'])
        .where('client_id', '=', clientId)
        .orderBy('field')
        .orderBy('language')
        .execute();
    },
    async deleteForClients(clientIds) {
      if (clientIds.length === 0) return 0;
      const result = await db
        .deleteFrom('oauth_client_localizations')
        .where('client_id', 'in', clientIds)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toSession(row: Selectable<OAuthSessionsTable>): OAuthSession {
  return {
    id: row.id,
    userId: row.user_id,
    clientId: row.client_id,
    grantId: row.grant_id,
    deviceId: row.device_id,
    scope: row.scope,
    createdAt: new Date(Number(row.created_at)),
    lastActiveAt: toDate(row.last_active_at),
    lastActiveIp: row.last_active_ip,
    userAgent: row.user_agent,
    finishedAt: toDate(row.finished_at),
    displayName: row.display_name,
  };
}
