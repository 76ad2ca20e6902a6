import { type Kysely, PostgresAdapter, sql } from 'kysely';

/** As oauth/adapter.ts UNUSED_CLIENT_TTL_MS (not imported: a migration must not change with the code). */
const UNUSED_CLIENT_TTL_MS = 24 * 3_600_000;

/**
 * Registered clients now expire unless someone signs in with them (oauth/adapter.ts). Those registered
 * before that rule, that no device session names, get the same day from the upgrade on, so rows an
 * earlier flood of registrations left are swept too. Clients someone signed in with keep no expiry.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const clientId = postgres
    ? sql`(oauth_records.payload::json ->> 'client_id')`
    : sql`json_extract(oauth_records.payload, '$.client_id')`;
  await sql`
    update oauth_records set expires_at = ${Date.now() + UNUSED_CLIENT_TTL_MS}
    where model = 'Client' and expires_at is null
      and not exists (select 1 from oauth_sessions s where s.client_id = ${clientId})`.execute(db);
}
