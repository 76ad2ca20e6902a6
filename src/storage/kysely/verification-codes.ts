import { type Selectable, sql } from 'kysely';
import type { VerificationCode, VerificationPurpose } from '../../domain/account.js';
import type { VerificationCodeRepository } from '../repositories.js';
import type { VerificationCodesTable } from '../tables.js';
import { newId, type RepositoryContext, toDate } from './context.js';

export function kyselyVerificationCodes(ctx: RepositoryContext): VerificationCodeRepository {
  const { db } = ctx;
  return {
    async create(input) {
      const row: VerificationCodesTable = {
        id: newId(ctx),
        purpose: input.purpose,
        user_id: input.userId,
        context: input.context,
        target: input.target,
        code_hash: input.codeHash,
        attempts: 0,
        created_at: ctx.clock.now().getTime(),
        expires_at: input.expiresAt.getTime(),
        consumed_at: null,
      };
      await db.insertInto('verification_codes').values(row).execute();
      return toCode(row);
    },
    async find(id) {
      const row = await db
        .selectFrom('verification_codes')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toCode(row);
    },
    async recordAttempt(id) {
      const row = await db
        .updateTable('verification_codes')
        .set({ attempts: sql<number>`attempts + 1` })
        .where('id', '=', id)
        .returning('attempts')
        .executeTakeFirst();
      return row ? Number(row.attempts) : Number.POSITIVE_INFINITY;
    },
    async consume(id) {
      const result = await db
        .updateTable('verification_codes')
        .set({ consumed_at: ctx.clock.now().getTime() })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async countSentTo(target, since) {
      const row = await db
        .selectFrom('verification_codes')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        // Addresses differing only in letter case reach the same mailbox: they share one allowance.
        .where(sql`lower(target)`, '=', target.toLowerCase())
        .where('created_at', '>=', since.getTime())
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async deleteExpired(graceMs) {
      const result = await db
        .deleteFrom('verification_codes')
        .where('expires_at', '<', ctx.clock.now().getTime() - graceMs)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toCode(row: Selectable<VerificationCodesTable>): VerificationCode {
  return {
    id: row.id,
    purpose: row.purpose as VerificationPurpose,
    userId: row.user_id,
    context: row.context,
    target: row.target,
    codeHash: row.code_hash,
    attempts: Number(row.attempts),
    createdAt: new Date(Number(row.created_at)),
    expiresAt: new Date(Number(row.expires_at)),
    consumedAt: toDate(row.consumed_at),
  };
}
