import type { Selectable } from 'kysely';
import { err, ok } from '../../domain/result.js';
import type { UserPhone } from '../../domain/user.js';
import type { PhoneRepository } from '../repositories.js';
import type { UserPhonesTable } from '../tables.js';
import { isUniqueViolation, newId, type RepositoryContext, toDate } from './context.js';

export function kyselyPhones(ctx: RepositoryContext): PhoneRepository {
  const { db } = ctx;
  return {
    async add(input) {
      const now = ctx.clock.now().getTime();
      const row: UserPhonesTable = {
        id: newId(ctx),
        user_id: input.userId,
        phone: input.phone,
        created_at: now,
        confirmed_at: now,
      };
      try {
        await db.insertInto('user_phones').values(row).execute();
      } catch (e) {
        if (isUniqueViolation(e)) return err('taken');
        throw e;
      }
      return ok(toPhone(row));
    },
    async listForUser(userId) {
      const rows = await db
        .selectFrom('user_phones')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute();
      return rows.map(toPhone);
    },
    async findByNumber(phone) {
      const row = await db
        .selectFrom('user_phones')
        .selectAll()
        .where('phone', '=', phone)
        .executeTakeFirst();
      return row && toPhone(row);
    },
    async remove(userId, id) {
      const result = await db
        .deleteFrom('user_phones')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

function toPhone(row: Selectable<UserPhonesTable>): UserPhone {
  return {
    id: row.id,
    userId: row.user_id,
    phone: row.phone,
    createdAt: new Date(Number(row.created_at)),
    confirmedAt: toDate(row.confirmed_at),
  };
}
