import type { Kysely } from 'kysely';

/** The name a user gave a device on the account page (the client's name is used until then). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_sessions').addColumn('display_name', 'text').execute();
}
