import type { TermsRepository } from '../repositories.js';
import type { RepositoryContext } from './context.js';

export function kyselyTerms(ctx: RepositoryContext): TermsRepository {
  const { db } = ctx;
  return {
    async accept(userId, uri) {
      await db
        .insertInto('user_terms')
        .values({ user_id: userId, uri, accepted_at: ctx.clock.now().getTime() })
        .onConflict((oc) => oc.columns(['user_id', 'uri']).doNothing())
        .execute();
    },
    async hasAccepted(userId, uri) {
      const row = await db
        .selectFrom('user_terms')
        .select('accepted_at')
        .where('user_id', '=', userId)
        .where('uri', '=', uri)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
