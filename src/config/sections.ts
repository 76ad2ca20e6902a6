import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { PasswordScheme } from '../services/passwords/hasher.js';
import type { Config } from './config.js';
import type { Resolution } from './resolution.js';
import type { ConfigFile } from './schema.js';

/** The sections that are the file's values renamed, with what is derived from them. */

export function matrixConfig(file: ConfigFile, r: Resolution): Config['matrix'] {
  return {
    kind: file.matrix.kind,
    homeserver: file.matrix.homeserver,
    endpoint: new URL(file.matrix.endpoint),
    secret: r.secret(file.matrix, 'secret', 'matrix', file.matrix.kind !== 'none'),
    wellKnownClient: file.matrix.well_known_client,
  };
}

export function databaseConfig(file: ConfigFile, baseDir: string): Config['database'] {
  return {
    uri: resolveDatabaseUri(file.database.uri, baseDir),
    maxConnections: file.database.max_connections,
    connectTimeoutMs: file.database.connect_timeout * 1000,
    idleTimeoutMs: file.database.idle_timeout * 1000,
  };
}

/** SQLite paths in the config are relative to the config file, so a config and its database move together. */
export function resolveDatabaseUri(uri: string, baseDir: string): string {
  if (!uri.startsWith('sqlite:') || uri === 'sqlite::memory:') return uri;
  const file = uri.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  return `sqlite:${isAbsolute(file) ? file : resolvePath(baseDir, file)}`;
}

export function passwordsConfig(file: ConfigFile, schemes: PasswordScheme[]): Config['passwords'] {
  return {
    enabled: file.passwords.enabled,
    schemes,
    minimumComplexity: file.passwords.minimum_complexity,
  };
}

/** `password_registration_token_required` is the older name of `registration_token_required`. */
export function accountConfig(file: ConfigFile): Config['account'] {
  const { password_registration_token_required, ...account } = file.account;
  return {
    ...account,
    registration_token_required: password_registration_token_required ?? account.registration_token_required,
  };
}

/** `experimental.access_token_ttl` is where the access token lifetime was before `tokens` had it. */
export function tokensConfig(file: ConfigFile): Config['tokens'] {
  return {
    accessTokenTtl: file.experimental.access_token_ttl ?? file.tokens.access_token_ttl,
    refreshTokenTtl: file.tokens.refresh_token_ttl,
    browserSessionTtl: file.tokens.browser_session_ttl,
    introspectionCacheEntries: file.tokens.introspection_cache_entries,
  };
}

export function rateLimitingConfig(file: ConfigFile): Config['rateLimiting'] {
  const limits = file.rate_limiting;
  return {
    login: { perIp: rateLimit(limits.login.per_ip), perAccount: rateLimit(limits.login.per_account) },
    clientRegistration: { perIp: rateLimit(limits.client_registration.per_ip) },
    deviceAuthorization: { perIp: rateLimit(limits.device_authorization.per_ip) },
    deviceUserCode: { perIp: rateLimit(limits.device_user_code.per_ip) },
    registration: rateLimit(limits.registration),
    accountRecovery: {
      perIp: rateLimit(limits.account_recovery.per_ip),
      perAddress: rateLimit(limits.account_recovery.per_address),
      resetPerIp: rateLimit(limits.account_recovery.reset_per_ip),
    },
    verificationCodes: {
      checksPerIp: rateLimit(limits.verification_codes.checks_per_ip),
      sendsPerAccount: rateLimit(limits.verification_codes.sends_per_account),
      checksPerAccount: rateLimit(limits.verification_codes.checks_per_account),
    },
    liveChecks: {
      availabilityPerIp: rateLimit(limits.live_checks.availability_per_ip),
      strengthPerIp: rateLimit(limits.live_checks.strength_per_ip),
    },
  };
}

function rateLimit(file: { burst: number; per_second: number }): { burst: number; perSecond: number } {
  return { burst: file.burst, perSecond: file.per_second };
}
