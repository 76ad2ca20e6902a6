import { type Selectable, sql } from 'kysely';
import { err, ok } from '../../domain/result.js';
import type { UserEmail } from '../../domain/user.js';
import type { EmailRepository } from '../repositories.js';
import type { UserEmailsTable } from '../tables.js';
import { isUniqueViolation, newId, type RepositoryContext, toDate } from './context.js';

export function kyselyEmails(ctx: RepositoryContext): EmailRepository {
  const { db } = ctx;
  const list = (userIds: string[]) =>
    db
      .selectFrom('user_emails')
      .selectAll()
      .where('user_id', 'in', userIds)
      .orderBy('is_primary', 'desc')
      .orderBy('id')
      .execute();
  return {
    async add(input) {
      const now = ctx.clock.now().getTime();
      const first = !(await db
        .selectFrom('user_emails')
        .select('id')
        .where('user_id', '=', input.userId)
        .executeTakeFirst());
      const row: UserEmailsTable = {
        id: newId(ctx),
        user_id: input.userId,
        email: input.email,
        created_at: now,
        confirmed_at: input.confirmed ? now : null,
        is_primary: first,
      };
      try {
        await db.insertInto('user_emails').values(row).execute();
      } catch (e) {
        if (isUniqueViolation(e)) return err('taken');
        throw e;
      }
      return ok(toEmail(row));
    },
    async findById(id) {
      const row = await db.selectFrom('user_emails').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toEmail(row);
    },
    async listForUser(userId) {
      return (await list([userId])).map(toEmail);
    },
    async listForUsers(userIds) {
      if (userIds.length === 0) return [];
      return (await list(userIds)).map(toEmail);
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
    async setPrimary(userId, id) {
      await db
        .updateTable('user_emails')
        .set({ is_primary: sql<boolean>`(id = ${id})` })
        .where('user_id', '=', userId)
        .execute();
    },
    async remove(userId, id) {
      const removed = await db
        .deleteFrom('user_emails')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .returning('is_primary')
        .executeTakeFirst();
      if (!removed) return false;
      if (removed.is_primary) {
        const next = await db
          .selectFrom('user_emails')
          .select('id')
          .where('user_id', '=', userId)
          .orderBy('id')
          .executeTakeFirst();
        if (next)
          await db.updateTable('user_emails').set({ is_primary: true }).where('id', '=', next.id).execute();
      }
      return true;
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
    primary: Boolean(row.is_primary),
  };
}
