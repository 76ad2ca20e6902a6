import type { Kysely } from 'kysely';

/** The OAuth engine's records (tokens, codes, grants, sessions, clients) and mxauth's own device sessions. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // oidc-provider's storage. Ids are token and code values, so only their SHA-256 is kept (id_hash);
  // the payload never holds the value itself.
  await db.schema
    .createTable('oauth_records')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id_hash', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('user_code_hash', 'text')
    .addColumn('account_id', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('consumed_at', 'bigint')
    // A rotated refresh token points at the one that replaced it (retries of a lost refresh response).
    .addColumn('next_id_hash', 'text')
    .addPrimaryKeyConstraint('oauth_records_pk', ['model', 'id_hash'])
    .execute();
  await db.schema.createIndex('oauth_records_grant').on('oauth_records').column('grant_id').execute();
  await db.schema.createIndex('oauth_records_uid').on('oauth_records').columns(['model', 'uid']).execute();
  await db.schema
    .createIndex('oauth_records_user_code')
    .on('oauth_records')
    .columns(['model', 'user_code_hash'])
    .execute();
  await db.schema
    .createIndex('oauth_records_account')
    .on('oauth_records')
    .columns(['model', 'account_id'])
    .execute();
  await db.schema.createIndex('oauth_records_expiry').on('oauth_records').column('expires_at').execute();

  // One row per Matrix device signed in through OAuth: what the account page lists and what the
  // homeserver is told about.
  await db.schema
    .createTable('oauth_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text', (c) => c.notNull().unique())
    .addColumn('device_id', 'text')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_active_at', 'bigint')
    .addColumn('last_active_ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('oauth_sessions_user')
    .on('oauth_sessions')
    .columns(['user_id', 'finished_at'])
    .execute();
  await db.schema
    .createIndex('oauth_sessions_device')
    .on('oauth_sessions')
    .columns(['user_id', 'device_id'])
    .execute();

  // Localized client metadata (`client_name#fr`, …) from dynamic registration, which the engine drops.
  await db.schema
    .createTable('oauth_client_localizations')
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_client_localizations_pk', ['client_id', 'field', 'language'])
    .execute();
}
