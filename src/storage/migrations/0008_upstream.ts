import type { Kysely } from 'kysely';

/**
 * Sign-in through upstream identity providers (OpenID Connect and OAuth 2.0 now; SAML, CAS and LDAP on
 * the same rows later):
 * - `upstream_links`: an identity at a provider (its subject) belonging to an account;
 * - `upstream_authorizations`: one sign-in at a provider, from the redirect to the account it ended in.
 *   The state is kept only as a hash; the nonce and PKCE verifier (and an ID token, when signing out at
 *   the provider needs it) only sealed. A completed one keeps the subject, the provider's session id and
 *   the browser session it signed in, which a back-channel logout finds it by.
 * - `oauth_sessions.browser_session_id`: the browser session a device was signed in from, so the end of
 *   that browser session upstream can end the devices it started.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('upstream_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // What the account page calls this identity (the provider's account_name template), when set.
    .addColumn('account_name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_sign_in_at', 'bigint')
    .addUniqueConstraint('upstream_links_provider_subject', ['provider_id', 'subject'])
    .execute();
  await db.schema.createIndex('upstream_links_user_id').on('upstream_links').column('user_id').execute();

  await db.schema
    .createTable('upstream_authorizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    // sign_in (an authorization's interaction) or link (the account page adding an identity).
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('interaction_uid', 'text')
    // For link: the account adding the identity. For sign_in: the account it signed in, once known.
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('state_hash', 'text', (c) => c.notNull().unique())
    // The hash of the browser's binding cookie: a callback in another browser is refused.
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('secrets_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .addColumn('consumed_at', 'bigint')
    .addColumn('subject', 'text')
    // The imported claims (id_token_claims, userinfo_claims, extra_callback_parameters) as JSON.
    .addColumn('claims', 'text')
    .addColumn('upstream_sid', 'text')
    .addColumn('id_token_sealed', 'text')
    .addColumn('browser_session_id', 'text')
    .execute();
  await db.schema
    .createIndex('upstream_authorizations_subject')
    .on('upstream_authorizations')
    .columns(['provider_id', 'subject'])
    .execute();
  await db.schema
    .createIndex('upstream_authorizations_expires')
    .on('upstream_authorizations')
    .column('expires_at')
    .execute();

  await db.schema.alterTable('oauth_sessions').addColumn('browser_session_id', 'text').execute();
  await db.schema
    .createIndex('oauth_sessions_browser_session')
    .on('oauth_sessions')
    .column('browser_session_id')
    .execute();
}
