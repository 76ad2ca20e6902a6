import { type Kysely, sql } from 'kysely';

/**
 * The account experience: a primary email, phone numbers, verification codes (email and SMS), recovery
 * tickets, accepted terms, registration tokens, and the browser sessions listed on the account page.
 * Codes, tickets and registration tokens are stored only as hashes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('user_emails')
    .addColumn('is_primary', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  // Existing accounts: their oldest address becomes the primary one.
  await sql`update user_emails set is_primary = true where id in (
    select min(id) from user_emails group by user_id)`.execute(db);

  await db.schema
    .createTable('user_phones')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // E.164, one account per number.
    .addColumn('phone', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .execute();
  await db.schema.createIndex('user_phones_user_id').on('user_phones').column('user_id').execute();

  await db.schema
    .createTable('verification_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // registration_email, add_email or add_phone.
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    // What the code is bound to besides the user: the sign-in (interaction) of a registration.
    .addColumn('context', 'text')
    // The address or number the code was sent to.
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('verification_codes_target')
    .on('verification_codes')
    .columns(['target', 'created_at'])
    .execute();
  await db.schema
    .createIndex('verification_codes_expires')
    .on('verification_codes')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('recovery_tickets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();

  await db.schema
    .createTable('user_terms')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('uri', 'text', (c) => c.notNull())
    .addColumn('accepted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_terms_pk', ['user_id', 'uri'])
    .execute();

  await db.schema
    .createTable('registration_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('usage_limit', 'integer')
    .addColumn('times_used', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('browser_sessions')
    // The engine's session uid (the id in its cookie is never stored).
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_active_at', 'bigint')
    .addColumn('last_active_ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('browser_sessions_user_id').on('browser_sessions').column('user_id').execute();
}
