import { sql } from 'kysely';
import type { CompatTokenRepository, LiveCompatToken } from '../repositories.js';
import { toCompatSession } from './compat-sessions.js';
import { type RepositoryContext, toDate } from './context.js';
import { collectInto, compileOnce, hotQuery } from './prepared.js';

/** The access and refresh tokens of compat sessions (a session's `finish` deletes them with it). */
export function kyselyCompatTokens(ctx: RepositoryContext): CompatTokenRepository {
  const { db } = ctx;
  const now = () => ctx.clock.now().getTime();

  // Introspection of compat tokens: one SQL text for a batch of hashes, as for OAuth tokens.
  const liveTokens = (hashes: string, at: string) =>
    db
      .selectFrom('compat_access_tokens as t')
      .innerJoin('compat_sessions as s', 's.id', 't.session_id')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .selectAll('s')
      .select([
        't.token_hash',
        't.expires_at',
        'u.localpart as u_localpart',
        'u.can_request_admin as u_can_request_admin',
        'u.locked_at as u_locked_at',
        'u.deactivated_at as u_deactivated_at',
      ])
      .where(
        ctx.dialect === 'postgres'
          ? sql<boolean>`t.token_hash = any(${hashes}::text[])`
          : sql<boolean>`t.token_hash in (select value from json_each(${hashes}))`,
      )
      .where('s.finished_at', 'is', null)
      .where((eb) =>
        eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', at as unknown as number)]),
      );
  const runLiveTokens = hotQuery<LiveRow>(ctx, 'mxauth_live_compat_tokens', compileOnce(2, liveTokens));
  type LiveRow = Awaited<ReturnType<ReturnType<typeof liveTokens>['execute']>>[number];
  const collect = (rows: LiveRow[]) => {
    const found = new Map<string, LiveCompatToken>();
    for (const row of rows)
      found.set(row.token_hash, {
        session: toCompatSession(row),
        expiresAt: row.expires_at === null ? null : Number(row.expires_at),
        owner: {
          id: row.user_id,
          localpart: row.u_localpart,
          canRequestAdmin: Boolean(row.u_can_request_admin),
          lockedAt: toDate(row.u_locked_at),
          deactivatedAt: toDate(row.u_deactivated_at),
        },
      });
    return found;
  };

  return {
    async addAccessToken({ tokenHash, sessionId, expiresAt }) {
      await db
        .insertInto('compat_access_tokens')
        .values({ token_hash: tokenHash, session_id: sessionId, created_at: now(), expires_at: expiresAt })
        .execute();
    },
    async deleteAccessToken(tokenHash) {
      await db.deleteFrom('compat_access_tokens').where('token_hash', '=', tokenHash).execute();
    },
    async sessionOfAccessToken(tokenHash) {
      const row = await db
        .selectFrom('compat_access_tokens as t')
        .innerJoin('compat_sessions as s', 's.id', 't.session_id')
        .selectAll('s')
        .where('t.token_hash', '=', tokenHash)
        .where('s.finished_at', 'is', null)
        .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', now())]))
        .executeTakeFirst();
      return row && toCompatSession(row);
    },
    async addRefreshToken({ tokenHash, sessionId, accessTokenHash }) {
      await db
        .insertInto('compat_refresh_tokens')
        .values({
          token_hash: tokenHash,
          session_id: sessionId,
          access_token_hash: accessTokenHash,
          created_at: now(),
          consumed_at: null,
          next_token_hash: null,
          superseded_at: null,
        })
        .execute();
    },
    async findRefreshToken(tokenHash) {
      let query = db.selectFrom('compat_refresh_tokens').selectAll().where('token_hash', '=', tokenHash);
      // Concurrent refreshes of one chain take turns (SQLite has one writer anyway).
      if (ctx.dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      return (
        row && {
          tokenHash: row.token_hash,
          sessionId: row.session_id,
          accessTokenHash: row.access_token_hash,
          consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
          nextTokenHash: row.next_token_hash,
          supersededAt: row.superseded_at === null ? null : Number(row.superseded_at),
        }
      );
    },
    async consumeRefreshToken(tokenHash, nextTokenHash, replacing) {
      // Compare-and-set on what this request saw, so two concurrent refreshes cannot both win.
      let update = db
        .updateTable('compat_refresh_tokens')
        .set({ consumed_at: sql`coalesce(consumed_at, ${now()})`, next_token_hash: nextTokenHash })
        .where('token_hash', '=', tokenHash)
        .where('superseded_at', 'is', null);
      update =
        replacing === null
          ? update.where('next_token_hash', 'is', null)
          : update.where('next_token_hash', '=', replacing);
      const result = await update.executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async supersedeRefreshToken(tokenHash) {
      const result = await db
        .updateTable('compat_refresh_tokens')
        .set({ superseded_at: now() })
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('superseded_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    findLiveAccessTokens(idHashes, done) {
      if (idHashes.length === 0) return done(undefined, new Map());
      const hashList = ctx.dialect === 'postgres' ? idHashes : JSON.stringify(idHashes);
      runLiveTokens([hashList, now()], collectInto(collect, done));
    },
  };
}
