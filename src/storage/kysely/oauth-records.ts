import { type Selectable, sql } from 'kysely';
import { tokenHash } from '../../domain/token-hash.js';
import type { LiveToken, OAuthRecord, OAuthRecordRepository } from '../repositories.js';
import type { OAuthRecordsTable } from '../tables.js';
import { type RepositoryContext, toDate } from './context.js';
import { collectInto, compileOnce, hotQuery, prepared } from './prepared.js';

export function kyselyOAuthRecords(ctx: RepositoryContext): OAuthRecordRepository {
  const { db } = ctx;
  const now = () => ctx.clock.now().getTime();
  const live = () =>
    db
      .selectFrom('oauth_records')
      .selectAll()
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now())]));
  // The introspection hot path: one compiled statement, reused.
  const findLive = prepared(db, 3, (model, idHash, now) =>
    db
      .selectFrom('oauth_records')
      .selectAll()
      .where('model', '=', model)
      .where('id_hash', '=', idHash)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now as unknown as number)])),
  );
  // The introspection hot path: one SQL text for any number of hashes (an array parameter on PostgreSQL,
  // a JSON array on SQLite), compiled once, selecting only what introspection needs.
  const liveTokens = (model: string, hashes: string, now: string) =>
    db
      .selectFrom('oauth_records as r')
      .leftJoin('users as u', 'u.id', 'r.account_id')
      .select([
        'r.id_hash',
        'r.payload',
        'r.consumed_at',
        'u.id as u_id',
        'u.localpart as u_localpart',
        'u.can_request_admin as u_can_request_admin',
        'u.locked_at as u_locked_at',
        'u.deactivated_at as u_deactivated_at',
      ])
      .where('r.model', '=', model)
      .where(
        ctx.dialect === 'postgres'
          ? sql<boolean>`r.id_hash = any(${hashes}::text[])`
          : sql<boolean>`r.id_hash in (select value from json_each(${hashes}))`,
      )
      .where((eb) =>
        eb.or([eb('r.expires_at', 'is', null), eb('r.expires_at', '>', now as unknown as number)]),
      );
  const runLiveTokens = hotQuery<LiveRow>(ctx, 'mxauth_live_tokens', compileOnce(3, liveTokens));
  type LiveRow = Awaited<ReturnType<ReturnType<typeof liveTokens>['execute']>>[number];
  const hashList = (idHashes: readonly string[]) =>
    ctx.dialect === 'postgres' ? idHashes : JSON.stringify(idHashes);
  const collect = (rows: LiveRow[]) => {
    const found = new Map<string, LiveToken>();
    for (const row of rows)
      found.set(row.id_hash, {
        payload: JSON.parse(row.payload),
        consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
        owner:
          row.u_id === null
            ? undefined
            : {
                id: row.u_id,
                localpart: row.u_localpart!,
                canRequestAdmin: Boolean(row.u_can_request_admin),
                lockedAt: toDate(row.u_locked_at),
                deactivatedAt: toDate(row.u_deactivated_at),
              },
      });
    return found;
  };
  return {
    findLiveTokens(model, idHashes, done) {
      if (idHashes.length === 0) return done(undefined, new Map());
      runLiveTokens([model, hashList(idHashes), now()], collectInto(collect, done));
    },
    async upsert(record) {
      const row: OAuthRecordsTable = {
        model: record.model,
        id_hash: record.idHash,
        payload: JSON.stringify(record.payload),
        grant_id: record.grantId,
        uid: record.uid,
        user_code_hash: record.userCodeHash,
        account_id: record.accountId,
        expires_at: record.expiresAt,
        consumed_at: record.consumedAt,
        next_id_hash: null,
      };
      // A consumed record stays consumed, and keeps its successor, when the engine saves it again.
      const { model, id_hash, consumed_at, next_id_hash, ...changes } = row;
      await db
        .insertInto('oauth_records')
        .values(row)
        .onConflict((oc) => oc.columns(['model', 'id_hash']).doUpdateSet(changes))
        .execute();
    },
    async find(model, idHash) {
      const [row] = await findLive(model, idHash, now());
      return row && toRecord(row);
    },
    async findByUid(model, uid) {
      const row = await live().where('model', '=', model).where('uid', '=', uid).executeTakeFirst();
      return row && toRecord(row);
    },
    async findByUserCodeHash(model, userCodeHash) {
      const row = await live()
        .where('model', '=', model)
        .where('user_code_hash', '=', userCodeHash)
        .executeTakeFirst();
      return row && toRecord(row);
    },
    async consume(model, idHash) {
      await db
        .updateTable('oauth_records')
        .set({ consumed_at: now() })
        .where('model', '=', model)
        .where('id_hash', '=', idHash)
        .where('consumed_at', 'is', null)
        .execute();
    },
    async link(model, idHash, nextIdHash) {
      // Read and write under one row lock, so two instances rotating the same token see each other's
      // successor (one retires the other) instead of both linking over a null. On PostgreSQL one
      // statement: its locking subquery returns the row as it is once the lock is held.
      if (ctx.dialect === 'postgres') {
        const result = await sql<{ before: string | null }>`
          update oauth_records as o
          set next_id_hash = ${nextIdHash}, consumed_at = coalesce(o.consumed_at, ${now()})
          from (
            select model, id_hash, next_id_hash as before from oauth_records
            where model = ${model} and id_hash = ${idHash} for update
          ) as p
          where o.model = p.model and o.id_hash = p.id_hash
          returning p.before`.execute(db);
        return result.rows[0]?.before ?? null;
      }
      // SQLite has one writer and serves one instance: a transaction is the lock.
      return db.transaction().execute(async (tx) => {
        const before = await tx
          .selectFrom('oauth_records')
          .select('next_id_hash')
          .where('model', '=', model)
          .where('id_hash', '=', idHash)
          .executeTakeFirst();
        await tx
          .updateTable('oauth_records')
          .set({ next_id_hash: nextIdHash, consumed_at: sql`coalesce(consumed_at, ${now()})` })
          .where('model', '=', model)
          .where('id_hash', '=', idHash)
          .execute();
        return before?.next_id_hash ?? null;
      });
    },
    async destroy(model, idHash) {
      await db.deleteFrom('oauth_records').where('model', '=', model).where('id_hash', '=', idHash).execute();
    },
    async revokeByGrantId(grantId) {
      const result = await db.deleteFrom('oauth_records').where('grant_id', '=', grantId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async revokeAccessTokensIssuedWith(grantId, refreshIdHash) {
      // Rare (a retried or concurrent refresh): the grant's few access tokens are read and matched here.
      const rows = await db
        .selectFrom('oauth_records')
        .select(['id_hash', 'payload'])
        .where('model', '=', 'AccessToken')
        .where('grant_id', '=', grantId)
        .execute();
      const doomed = rows
        .filter((row) => (JSON.parse(row.payload) as { _issuedWith?: unknown })._issuedWith === refreshIdHash)
        .map((row) => row.id_hash);
      if (doomed.length === 0) return 0;
      const result = await db
        .deleteFrom('oauth_records')
        .where('model', '=', 'AccessToken')
        .where('id_hash', 'in', doomed)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async revokeByAccountId(accountId) {
      const result = await db
        .deleteFrom('oauth_records')
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async revokeSessionsOfAccount(accountId, keepUid) {
      let query = db
        .deleteFrom('oauth_records')
        .where('model', '=', 'Session')
        .where('account_id', '=', accountId);
      if (keepUid !== undefined)
        query = query.where((eb) => eb.or([eb('uid', 'is', null), eb('uid', '!=', keepUid)]));
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteExpired(limit) {
      // Clients go with their translations (deleteExpiredClients), never alone.
      const expired = db
        .selectFrom('oauth_records')
        .select('id_hash')
        .where('expires_at', '<', now())
        .where('model', '!=', 'Client')
        .limit(limit);
      const result = await db
        .deleteFrom('oauth_records')
        .where('id_hash', 'in', expired)
        .where('expires_at', '<', now())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async keep(model, idHash) {
      await db
        .updateTable('oauth_records')
        .set({ expires_at: null })
        .where('model', '=', model)
        .where('id_hash', '=', idHash)
        .where('expires_at', 'is not', null)
        .execute();
    },
    async expiredClientIds(limit) {
      const rows = await db
        .selectFrom('oauth_records')
        .select('payload')
        .where('model', '=', 'Client')
        .where('expires_at', '<', now())
        .limit(limit)
        .execute();
      return rows
        .map((row) => (JSON.parse(row.payload) as { client_id?: unknown }).client_id)
        .filter((id): id is string => typeof id === 'string');
    },
    async deleteExpiredClients(clientIds) {
      if (clientIds.length === 0) return 0;
      const result = await db
        .deleteFrom('oauth_records')
        .where('model', '=', 'Client')
        .where('id_hash', 'in', clientIds.map(tokenHash))
        .where('expires_at', '<', now())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toRecord(row: Selectable<OAuthRecordsTable>): OAuthRecord {
  return {
    model: row.model,
    idHash: row.id_hash,
    payload: JSON.parse(row.payload),
    grantId: row.grant_id,
    uid: row.uid,
    userCodeHash: row.user_code_hash,
    accountId: row.account_id,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
    nextIdHash: row.next_id_hash,
  };
}
