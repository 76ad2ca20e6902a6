/*
 * Row shapes as the database holds them. Times are UTC milliseconds since the epoch (BIGINT), identical on
 * SQLite and PostgreSQL; booleans are BOOLEAN on PostgreSQL and 0/1 on SQLite (read back with Boolean()).
 */

export interface UsersTable {
  id: string;
  localpart: string;
  display_name: string | null;
  can_request_admin: boolean | number;
  created_at: number;
  locked_at: number | null;
  deactivated_at: number | null;
}

export interface UserPasswordsTable {
  id: string;
  user_id: string;
  hashed_password: string;
  version: number;
  upgraded_from_id: string | null;
  created_at: number;
}

export interface UserEmailsTable {
  id: string;
  user_id: string;
  email: string;
  created_at: number;
  confirmed_at: number | null;
  is_primary: boolean | number;
}

export interface UserPhonesTable {
  id: string;
  user_id: string;
  phone: string;
  created_at: number;
  confirmed_at: number | null;
}

export interface VerificationCodesTable {
  id: string;
  purpose: string;
  user_id: string | null;
  context: string | null;
  target: string;
  code_hash: string;
  attempts: number;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface RecoveryTicketsTable {
  id: string;
  user_id: string;
  email: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface UserTermsTable {
  user_id: string;
  uri: string;
  accepted_at: number;
}

export interface RegistrationTokensTable {
  id: string;
  token_hash: string;
  usage_limit: number | null;
  times_used: number;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface BrowserSessionsTable {
  id: string;
  user_id: string;
  created_at: number;
  last_active_at: number | null;
  last_active_ip: string | null;
  user_agent: string | null;
  finished_at: number | null;
}

export interface JobsTable {
  id: string;
  queue: string;
  kind: string;
  payload: string;
  ordering_key: string | null;
  state: string;
  attempts: number;
  run_at: number;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface OAuthRecordsTable {
  model: string;
  id_hash: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code_hash: string | null;
  account_id: string | null;
  expires_at: number | null;
  consumed_at: number | null;
  next_id_hash: string | null;
}

export interface OAuthSessionsTable {
  id: string;
  user_id: string;
  client_id: string;
  grant_id: string;
  device_id: string | null;
  scope: string;
  created_at: number;
  last_active_at: number | null;
  last_active_ip: string | null;
  user_agent: string | null;
  finished_at: number | null;
  display_name: string | null;
  browser_session_id: string | null;
}

export interface OAuthClientLocalizationsTable {
  client_id: string;
  field: string;
  language: string;
  value: string;
}

export interface Tables {
  users: UsersTable;
  user_passwords: UserPasswordsTable;
  user_emails: UserEmailsTable;
  jobs: JobsTable;
  oauth_records: OAuthRecordsTable;
  oauth_sessions: OAuthSessionsTable;
  oauth_client_localizations: OAuthClientLocalizationsTable;
  compat_sessions: CompatSessionsTable;
  compat_access_tokens: CompatAccessTokensTable;
  compat_refresh_tokens: CompatRefreshTokensTable;
  compat_login_tokens: CompatLoginTokensTable;
  user_phones: UserPhonesTable;
  verification_codes: VerificationCodesTable;
  recovery_tickets: RecoveryTicketsTable;
  user_terms: UserTermsTable;
  registration_tokens: RegistrationTokensTable;
  browser_sessions: BrowserSessionsTable;
  upstream_links: UpstreamLinksTable;
  upstream_authorizations: UpstreamAuthorizationsTable;
}

export interface CompatSessionsTable {
  id: string;
  user_id: string;
  device_id: string;
  origin: string;
  is_admin: boolean | number;
  display_name: string | null;
  user_agent: string | null;
  created_at: number;
  last_active_at: number | null;
  last_active_ip: string | null;
  finished_at: number | null;
}

export interface CompatAccessTokensTable {
  token_hash: string;
  session_id: string;
  created_at: number;
  expires_at: number | null;
}

export interface CompatRefreshTokensTable {
  token_hash: string;
  session_id: string;
  access_token_hash: string;
  created_at: number;
  consumed_at: number | null;
  next_token_hash: string | null;
  superseded_at: number | null;
}

export interface CompatLoginTokensTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface UpstreamLinksTable {
  id: string;
  provider_id: string;
  subject: string;
  user_id: string;
  account_name: string | null;
  created_at: number;
  last_sign_in_at: number | null;
}

export interface UpstreamAuthorizationsTable {
  id: string;
  provider_id: string;
  purpose: string;
  interaction_uid: string | null;
  user_id: string | null;
  state_hash: string;
  browser_hash: string;
  secrets_sealed: string;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
  consumed_at: number | null;
  subject: string | null;
  claims: string | null;
  upstream_sid: string | null;
  id_token_sealed: string | null;
  browser_session_id: string | null;
}
