import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { NOTICE_PREFIX, tokenStateChannel } from '../token-changes.js';

/**
 * PostgreSQL: every change that can end or alter a live token's introspection answer is announced on
 * the schema's channel (`mxauth_tokens_<schema>`) when its transaction commits, as `txid:account`
 * (account '' for tokens of no account, '*' when it cannot be told). Instances keep an introspection
 * cache and listen there; triggers rather than application code, so that no path (a page, the CLI,
 * another instance, an operator's own SQL) can change a token or its owner unannounced. The connection
 * that writes also gets a NOTICE at once when it asks for them (mxauth's own connections do), so the
 * writing instance forgets before its statement returns.
 *
 * Rows that had expired (a minute's margin for clocks) are not announced: no cache holds them, and the
 * expiry sweep deletes thousands at a time. Deletions are announced once per statement and account.
 * The functions are pinned to mxauth's schema, so an operator's SQL under another search_path (or as
 * another role) still finds mxauth's tables and announces on mxauth's channel. TRUNCATE announces '*'.
 *
 * SQLite has no channel between processes: mxauth installs equivalent TEMP triggers on its own connection
 * at start (storage/token-changes.ts) and notices other processes' commits by `PRAGMA data_version`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const { rows } = await sql<{ schema: string; quoted: string }>`
    select current_schema() as schema, quote_ident(current_schema()) as quoted`.execute(db);
  const { schema, quoted } = rows[0]!;
  const channel = tokenStateChannel(schema);
  // Pinned to this schema by name: a search_path such as "$user", public would resolve per caller.
  const pinned = `set search_path = ${quoted}, pg_catalog`;
  const statements = [
    `create function mxauth_announce_token_state(account text) returns void language plpgsql
       ${pinned} as $$
     declare
       payload text := txid_current()::text || ':' || account;
     begin
       perform pg_notify(${literal(channel)}, payload);
       if current_setting('mxauth.token_notices', true) = 'on' then
         raise notice '${NOTICE_PREFIX}%', payload;
       end if;
     end
     $$`,
    `create function mxauth_token_unexpired(expires_at bigint) returns boolean language sql stable as $$
       select expires_at is null or expires_at > extract(epoch from now()) * 1000 - 60000
     $$`,
    `create function mxauth_oauth_records_deleted() returns trigger language plpgsql
       ${pinned} as $$
     begin
       perform mxauth_announce_token_state(account)
         from (select distinct coalesce(account_id, '') as account from gone
                where model in ('AccessToken', 'RefreshToken', 'ClientCredentials')
                  and mxauth_token_unexpired(expires_at)) as changed;
       return null;
     end
     $$`,
    `create trigger mxauth_token_state_deleted after delete on oauth_records
       referencing old table as gone for each statement execute function mxauth_oauth_records_deleted()`,
    `create function mxauth_oauth_record_updated() returns trigger language plpgsql
       ${pinned} as $$
     begin
       if mxauth_token_unexpired(old.expires_at) then
         perform mxauth_announce_token_state(coalesce(old.account_id, ''));
       end if;
       return null;
     end
     $$`,
    `create trigger mxauth_token_state_updated
       after update of model, id_hash, payload, account_id, expires_at, consumed_at, grant_id on oauth_records
       for each row
       when (old.model in ('AccessToken', 'RefreshToken', 'ClientCredentials'))
       execute function mxauth_oauth_record_updated()`,
    `create function mxauth_user_changed() returns trigger language plpgsql
       ${pinned} as $$
     begin
       perform mxauth_announce_token_state(old.id);
       return null;
     end
     $$`,
    `create trigger mxauth_token_state
       after update of id, localpart, can_request_admin, locked_at, deactivated_at or delete on users
       for each row execute function mxauth_user_changed()`,
    `create function mxauth_compat_session_changed() returns trigger language plpgsql
       ${pinned} as $$
     begin
       perform mxauth_announce_token_state(old.user_id);
       return null;
     end
     $$`,
    `create trigger mxauth_token_state
       after update of user_id, device_id, is_admin, created_at, finished_at or delete on compat_sessions
       for each row execute function mxauth_compat_session_changed()`,
    `create function mxauth_compat_token_changed() returns trigger language plpgsql
       ${pinned} as $$
     declare
       account text;
     begin
       select user_id into account from compat_sessions where id = old.session_id;
       perform mxauth_announce_token_state(coalesce(account, '*'));
       return null;
     end
     $$`,
    `create trigger mxauth_token_state after update or delete on compat_access_tokens
       for each row execute function mxauth_compat_token_changed()`,
    // TRUNCATE fires no row triggers: anything may have gone.
    `create function mxauth_tables_truncated() returns trigger language plpgsql ${pinned} as $$
     begin
       perform mxauth_announce_token_state('*');
       return null;
     end
     $$`,
    ...['oauth_records', 'users', 'compat_sessions', 'compat_access_tokens'].map(
      (table) => `create trigger mxauth_token_state_truncated after truncate on ${table}
         for each statement execute function mxauth_tables_truncated()`,
    ),
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** A SQL string literal (the channel is built from the schema name). */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
