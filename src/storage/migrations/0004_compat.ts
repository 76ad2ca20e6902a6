import type { Kysely } from 'kysely';

/**
 * Sessions of the compatibility login API (legacy clients, bots, appservices): one per device, with
 * access and refresh tokens stored as SHA-256 only, and the single-use login tokens of the SSO redirect.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('compat_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('device_id', 'text', (c) => c.notNull())
    // How it began: password, token (SSO redirect), appservice or cli.
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('is_admin', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('display_name', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_active_at', 'bigint')
    .addColumn('last_active_ip', 'text')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('compat_sessions_device')
    .on('compat_sessions')
    .columns(['user_id', 'device_id'])
    .execute();

  await db.schema
    .createTable('compat_access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('compat_sessions.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('compat_access_tokens_session')
    .on('compat_access_tokens')
    .column('session_id')
    .execute();

  await db.schema
    .createTable('compat_refresh_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('compat_sessions.id'))
    .addColumn('access_token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    // The pair that replaced this one: a retry of a lost refresh response may replace it again.
    .addColumn('next_token_hash', 'text')
    // Replaced by such a retry before it was used: presenting it later is a replay.
    .addColumn('superseded_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('compat_refresh_tokens_session')
    .on('compat_refresh_tokens')
    .column('session_id')
    .execute();

  await db.schema
    .createTable('compat_login_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
}
