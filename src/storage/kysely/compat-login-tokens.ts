import type { CompatLoginTokenRepository } from '../repositories.js';
import type { RepositoryContext } from './context.js';

export function kyselyCompatLoginTokens(ctx: RepositoryContext): CompatLoginTokenRepository {
  const { db } = ctx;
  const now = () => ctx.clock.now().getTime();

  return {
    async add({ tokenHash, userId, expiresAt }) {
      await db
        .insertInto('compat_login_tokens')
        .values({
          token_hash: tokenHash,
          user_id: userId,
          created_at: now(),
          expires_at: expiresAt,
          consumed_at: null,
        })
        .execute();
    },
    async consume(tokenHash) {
      const row = await db
        .updateTable('compat_login_tokens')
        .set({ consumed_at: now() })
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now())
        .returning('user_id')
        .executeTakeFirst();
      return row?.user_id;
    },
    async deleteExpired() {
      const result = await db
        .deleteFrom('compat_login_tokens')
        .where('expires_at', '<', now())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
