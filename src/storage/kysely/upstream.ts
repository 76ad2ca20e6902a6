import type { Selectable } from 'kysely';
import { err, ok } from '../../domain/result.js';
import type { UpstreamAuthorization, UpstreamLink, UpstreamPurpose } from '../../domain/upstream-link.js';
import type { UpstreamAuthorizationRepository, UpstreamLinkRepository } from '../repositories.js';
import type { UpstreamAuthorizationsTable, UpstreamLinksTable } from '../tables.js';
import { isUniqueViolation, newId, type RepositoryContext, toDate } from './context.js';

export function kyselyUpstreamLinks(ctx: RepositoryContext): UpstreamLinkRepository {
  const { db } = ctx;
  return {
    async create(input) {
      const row: UpstreamLinksTable = {
        id: newId(ctx),
        provider_id: input.providerId,
        subject: input.subject,
        user_id: input.userId,
        account_name: input.accountName,
        created_at: ctx.clock.now().getTime(),
        last_sign_in_at: null,
      };
      try {
        await db.insertInto('upstream_links').values(row).execute();
      } catch (e) {
        if (isUniqueViolation(e)) return err('taken');
        throw e;
      }
      return ok(toLink(row));
    },
    async findBySubject(providerId, subject) {
      const row = await db
        .selectFrom('upstream_links')
        .selectAll()
        .where('provider_id', '=', providerId)
        .where('subject', '=', subject)
        .executeTakeFirst();
      return row && toLink(row);
    },
    async findById(id) {
      const row = await db.selectFrom('upstream_links').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toLink(row);
    },
    async listForUser(userId) {
      const rows = await db
        .selectFrom('upstream_links')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute();
      return rows.map(toLink);
    },
    async signedIn(id, accountName) {
      await db
        .updateTable('upstream_links')
        .set({ last_sign_in_at: ctx.clock.now().getTime(), account_name: accountName })
        .where('id', '=', id)
        .execute();
    },
    async remove(userId, id) {
      const result = await db
        .deleteFrom('upstream_links')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async removeForProvider(userId, providerId) {
      const result = await db
        .deleteFrom('upstream_links')
        .where('user_id', '=', userId)
        .where('provider_id', '=', providerId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export function kyselyUpstreamAuthorizations(ctx: RepositoryContext): UpstreamAuthorizationRepository {
  const { db } = ctx;
  const now = () => ctx.clock.now().getTime();
  return {
    async create(input) {
      const row: UpstreamAuthorizationsTable = {
        id: newId(ctx),
        provider_id: input.providerId,
        purpose: input.purpose,
        interaction_uid: input.interactionUid,
        user_id: input.userId,
        state_hash: input.stateHash,
        browser_hash: input.browserHash,
        secrets_sealed: input.secretsSealed,
        created_at: now(),
        expires_at: input.expiresAt.getTime(),
        completed_at: null,
        consumed_at: null,
        subject: null,
        claims: null,
        upstream_sid: null,
        id_token_sealed: null,
        browser_session_id: null,
      };
      await db.insertInto('upstream_authorizations').values(row).execute();
      return toAuthorization(row);
    },
    async find(id) {
      const row = await db
        .selectFrom('upstream_authorizations')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toAuthorization(row);
    },
    async findByStateHash(stateHash) {
      const row = await db
        .selectFrom('upstream_authorizations')
        .selectAll()
        .where('state_hash', '=', stateHash)
        .executeTakeFirst();
      return row && toAuthorization(row);
    },
    async complete(id, input) {
      // The secrets are needed no more: a completed authorization cannot be exchanged again.
      const result = await db
        .updateTable('upstream_authorizations')
        .set({
          completed_at: now(),
          subject: input.subject,
          claims: input.claims,
          upstream_sid: input.upstreamSid,
          id_token_sealed: input.idTokenSealed,
          secrets_sealed: '',
        })
        .where('id', '=', id)
        .where('completed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async consume(id, userId) {
      const result = await db
        .updateTable('upstream_authorizations')
        .set({ consumed_at: now(), user_id: userId })
        .where('id', '=', id)
        .where('completed_at', 'is not', null)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async attachBrowserSession(id, browserSessionId) {
      await db
        .updateTable('upstream_authorizations')
        .set({ browser_session_id: browserSessionId })
        .where('id', '=', id)
        .execute();
    },
    async findSignedIn(providerId, match) {
      let query = db
        .selectFrom('upstream_authorizations')
        .selectAll()
        .where('provider_id', '=', providerId)
        .where('consumed_at', 'is not', null);
      if (match.subject !== undefined) query = query.where('subject', '=', match.subject);
      if (match.sid !== undefined) query = query.where('upstream_sid', '=', match.sid);
      return (await query.execute()).map(toAuthorization);
    },
    async deleteStale(keepUsedMs) {
      const at = now();
      const result = await db
        .deleteFrom('upstream_authorizations')
        .where((eb) =>
          eb.or([
            eb.and([eb('consumed_at', 'is', null), eb('expires_at', '<', at)]),
            eb.and([eb('consumed_at', 'is not', null), eb('consumed_at', '<', at - keepUsedMs)]),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toLink(row: Selectable<UpstreamLinksTable>): UpstreamLink {
  return {
    id: row.id,
    providerId: row.provider_id,
    subject: row.subject,
    userId: row.user_id,
    accountName: row.account_name,
    createdAt: new Date(Number(row.created_at)),
    lastSignInAt: toDate(row.last_sign_in_at),
  };
}

function toAuthorization(row: Selectable<UpstreamAuthorizationsTable>): UpstreamAuthorization {
  return {
    id: row.id,
    providerId: row.provider_id,
    purpose: row.purpose as UpstreamPurpose,
    interactionUid: row.interaction_uid,
    userId: row.user_id,
    browserHash: row.browser_hash,
    secretsSealed: row.secrets_sealed,
    createdAt: new Date(Number(row.created_at)),
    expiresAt: new Date(Number(row.expires_at)),
    completedAt: toDate(row.completed_at),
    consumedAt: toDate(row.consumed_at),
    subject: row.subject,
    claims: row.claims,
    upstreamSid: row.upstream_sid,
    idTokenSealed: row.id_token_sealed,
    browserSessionId: row.browser_session_id,
  };
}
