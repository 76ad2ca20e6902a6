import type { Selectable } from 'kysely';
import type { RecoveryTicket } from '../../domain/account.js';
import type { RecoveryTicketRepository } from '../repositories.js';
import type { RecoveryTicketsTable } from '../tables.js';
import { newId, type RepositoryContext, toDate } from './context.js';

export function kyselyRecoveryTickets(ctx: RepositoryContext): RecoveryTicketRepository {
  const { db } = ctx;
  return {
    async create(input) {
      const row: RecoveryTicketsTable = {
        id: newId(ctx),
        user_id: input.userId,
        email: input.email,
        token_hash: input.tokenHash,
        created_at: ctx.clock.now().getTime(),
        expires_at: input.expiresAt.getTime(),
        consumed_at: null,
      };
      await db.insertInto('recovery_tickets').values(row).execute();
      return toTicket(row);
    },
    async findLive(tokenHash) {
      const row = await db
        .selectFrom('recovery_tickets')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', ctx.clock.now().getTime())
        .executeTakeFirst();
      return row && toTicket(row);
    },
    async consume(id) {
      const result = await db
        .updateTable('recovery_tickets')
        .set({ consumed_at: ctx.clock.now().getTime() })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async consumeAllForUser(userId) {
      const result = await db
        .updateTable('recovery_tickets')
        .set({ consumed_at: ctx.clock.now().getTime() })
        .where('user_id', '=', userId)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async countForUser(userId, since) {
      const row = await db
        .selectFrom('recovery_tickets')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('user_id', '=', userId)
        .where('created_at', '>=', since.getTime())
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async deleteExpired(graceMs) {
      const result = await db
        .deleteFrom('recovery_tickets')
        .where('expires_at', '<', ctx.clock.now().getTime() - graceMs)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toTicket(row: Selectable<RecoveryTicketsTable>): RecoveryTicket {
  return {
    id: row.id,
    userId: row.user_id,
    email: row.email,
    createdAt: new Date(Number(row.created_at)),
    expiresAt: new Date(Number(row.expires_at)),
    consumedAt: toDate(row.consumed_at),
  };
}
