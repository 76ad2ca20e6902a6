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

export interface Tables {
  users: UsersTable;
  user_passwords: UserPasswordsTable;
  user_emails: UserEmailsTable;
  jobs: JobsTable;
}
