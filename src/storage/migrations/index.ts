import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001_initial.js';
import * as oauth from './0002_oauth.js';
import * as deviceNames from './0003_device_names.js';
import * as compat from './0004_compat.js';
import * as account from './0005_account.js';
import * as tokenChangeNotices from './0006_token_change_notices.js';
import * as unusedClientExpiry from './0007_unused_client_expiry.js';
import * as upstream from './0008_upstream.js';

/** Every migration, by name; names sort in the order they run. */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_oauth': oauth,
  '0003_device_names': deviceNames,
  '0004_compat': compat,
  '0005_account': account,
  '0006_token_change_notices': tokenChangeNotices,
  '0007_unused_client_expiry': unusedClientExpiry,
  '0008_upstream': upstream,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
