import type { Selectable } from 'kysely';
import type { UserPassword } from '../../domain/user.js';
import type { PasswordRepository } from '../repositories.js';
import type { UserPasswordsTable } from '../tables.js';
import { newId, type RepositoryContext } from './context.js';

export function kyselyPasswords(ctx: RepositoryContext): PasswordRepository {
  const { db } = ctx;
  return {
    async add(input) {
      const row: UserPasswordsTable = {
        id: newId(ctx),
        user_id: input.userId,
        hashed_password: input.hashedPassword,
        version: input.version,
        upgraded_from_id: input.upgradedFromId ?? null,
        created_at: ctx.clock.now().getTime(),
      };
      await db.insertInto('user_passwords').values(row).execute();
      return toPassword(row);
    },
    async active(userId) {
      // ULIDs sort by creation, so the id breaks ties between passwords set within one millisecond.
      const row = await db
        .selectFrom('user_passwords')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toPassword(row);
    },
  };
}

function toPassword(row: Selectable<UserPasswordsTable>): UserPassword {
  return {
    id: row.id,
    userId: row.user_id,
    hashedPassword: row.hashed_password,
    version: row.version,
    upgradedFromId: row.upgraded_from_id,
    createdAt: new Date(Number(row.created_at)),
  };
}
