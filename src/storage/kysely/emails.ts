import { type Selectable, sql } from 'kysely';
import { err, ok } from '../../domain/result.js';
import type { UserEmail } from '../../domain/user.js';
import type { EmailRepository } from '../repositories.js';
import type { UserEmailsTable } from '../tables.js';
import { isUniqueViolation, newId, type RepositoryContext, toDate } from './context.js';

export function kyselyEmails(ctx: RepositoryContext): EmailRepository {
  const { db } = ctx;
  return {
    async add(input) {
      const now = ctx.clock.now().getTime();
      const row: UserEmailsTable = {
        id: newId(ctx),
        user_id: input.userId,
        email: input.email,
        created_at: now,
        confirmed_at: input.confirmed ? now : null,
      };
      try {
        await db.insertInto('user_emails').values(row).execute();
      } catch (e) {
        if (isUniqueViolation(e)) return err('taken');
        throw e;
      }
      return ok(toEmail(row));
    },
    async listForUser(userId) {
      const rows = await db
        .selectFrom('user_emails')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute();
      return rows.map(toEmail);
    },
    async listForUsers(userIds) {
      if (userIds.length === 0) return [];
      const rows = await db
        .selectFrom('user_emails')
        .selectAll()
        .where('user_id', 'in', userIds)
        .orderBy('id')
        .execute();
      return rows.map(toEmail);
    },
    async findByAddress(email) {
      // Matches the lower(email) unique index, so this is an index lookup on both databases.
      const row = await db
        .selectFrom('user_emails')
        .selectAll()
        .where(sql`lower(email)`, '=', email.toLowerCase())
        .executeTakeFirst();
      return row && toEmail(row);
    },
  };
}

function toEmail(row: Selectable<UserEmailsTable>): UserEmail {
  return {
    id: row.id,
    userId: row.user_id,
    email: row.email,
    createdAt: new Date(Number(row.created_at)),
    confirmedAt: toDate(row.confirmed_at),
  };
}
