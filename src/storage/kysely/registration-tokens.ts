import { type ExpressionBuilder, type Selectable, sql } from 'kysely';
import type { RegistrationToken } from '../../domain/account.js';
import { err, ok } from '../../domain/result.js';
import type { RegistrationTokenRepository } from '../repositories.js';
import type { RegistrationTokensTable, Tables } from '../tables.js';
import { isUniqueViolation, newId, type RepositoryContext, toDate } from './context.js';

export function kyselyRegistrationTokens(ctx: RepositoryContext): RegistrationTokenRepository {
  const { db } = ctx;
  const now = () => ctx.clock.now().getTime();
  /** The conditions under which a token is accepted: one filter for checking and for using alike. */
  const valid = (eb: ExpressionBuilder<Tables, 'registration_tokens'>) =>
    eb.and([
      eb('revoked_at', 'is', null),
      eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now())]),
      eb.or([eb('usage_limit', 'is', null), eb('times_used', '<', eb.ref('usage_limit'))]),
    ]);
  return {
    async create(input) {
      const row: RegistrationTokensTable = {
        id: newId(ctx),
        token_hash: input.tokenHash,
        usage_limit: input.usageLimit,
        times_used: 0,
        created_at: now(),
        expires_at: input.expiresAt ? input.expiresAt.getTime() : null,
        last_used_at: null,
        revoked_at: null,
      };
      try {
        await db.insertInto('registration_tokens').values(row).execute();
      } catch (e) {
        if (isUniqueViolation(e)) return err('taken');
        throw e;
      }
      return ok(toToken(row));
    },
    async use(tokenHash) {
      const row = await db
        .updateTable('registration_tokens')
        .set({ times_used: sql<number>`times_used + 1`, last_used_at: now() })
        .where('token_hash', '=', tokenHash)
        .where(valid)
        .returningAll()
        .executeTakeFirst();
      return row && toToken(row);
    },
    async isValid(tokenHash) {
      const row = await db
        .selectFrom('registration_tokens')
        .select('id')
        .where('token_hash', '=', tokenHash)
        .where(valid)
        .executeTakeFirst();
      return row !== undefined;
    },
    async list() {
      const rows = await db.selectFrom('registration_tokens').selectAll().orderBy('id').execute();
      return rows.map(toToken);
    },
    async revoke(id) {
      const result = await db
        .updateTable('registration_tokens')
        .set({ revoked_at: now() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

function toToken(row: Selectable<RegistrationTokensTable>): RegistrationToken {
  return {
    id: row.id,
    usageLimit: row.usage_limit === null ? null : Number(row.usage_limit),
    timesUsed: Number(row.times_used),
    createdAt: new Date(Number(row.created_at)),
    expiresAt: toDate(row.expires_at),
    lastUsedAt: toDate(row.last_used_at),
    revokedAt: toDate(row.revoked_at),
  };
}
