import type { PasswordScheme } from '../services/passwords/hasher.js';
import type { ConfigFile, ResourceName } from './schema.js';
import type { SigningKey } from './signing-keys.js';
import type { UpstreamProvider } from './upstream.js';

export type Bind = { host: string; port: number } | { socket: string };

export interface StaticClient {
  clientId: string;
  authMethod: 'none' | 'client_secret_basic' | 'client_secret_post';
  secret: string | undefined;
  name: string | undefined;
  redirectUris: string[];
  grantTypes: ('authorization_code' | 'refresh_token' | 'client_credentials')[];
}

export interface ListenerConfig {
  name: string;
  resources: ReadonlySet<ResourceName>;
  binds: Bind[];
  /** Path prefix, without trailing slash, or '' */
  prefix: string;
}

/** An appservice registration, resolved: its user namespaces compiled. */
export interface AppserviceConfig {
  id: string;
  asToken: string;
  /** The appservice's own user id, `@sender_localpart:server`. */
  sender: string;
  /** User namespaces; each regex is anchored at the start only, as Python's `re.match` in Synapse. */
  userNamespaces: { exclusive: boolean; regex: RegExp }[];
  /** The registration file it was read from, absolute; undefined when given inline. */
  file: string | undefined;
  /** May use `m.login.application_service` (opted in, for bridges without MSC4190). */
  login: boolean;
}

/**
 * The configuration as the running service uses it: defaults applied, files read, keys parsed, relative
 * paths resolved. The file format (snake_case, MAS-compatible) stays in schema.ts.
 */
export interface Config {
  http: {
    publicBase: URL;
    issuer: string;
    listeners: ListenerConfig[];
    trustedProxies: string[];
  };
  database: {
    /** `sqlite:` with an absolute path, `sqlite::memory:`, or a PostgreSQL URI */
    uri: string;
    maxConnections: number;
    connectTimeoutMs: number;
    idleTimeoutMs: number;
  };
  matrix: {
    kind: ConfigFile['matrix']['kind'];
    homeserver: string;
    endpoint: URL;
    secret: string | undefined;
    wellKnownClient: Record<string, unknown> | undefined;
  };
  secrets: {
    encryption: Buffer;
    keys: SigningKey[];
  };
  passwords: {
    enabled: boolean;
    schemes: PasswordScheme[];
    minimumComplexity: number;
  };
  account: Omit<ConfigFile['account'], 'password_registration_token_required'>;
  clients: StaticClient[];
  tokens: {
    /** Seconds. */
    accessTokenTtl: number;
    refreshTokenTtl: number;
    browserSessionTtl: number;
    /** 0: no introspection cache. */
    introspectionCacheEntries: number;
  };
  log: ConfigFile['log'];
  rateLimiting: {
    login: { perIp: RateLimit; perAccount: RateLimit };
    clientRegistration: { perIp: RateLimit };
    deviceAuthorization: { perIp: RateLimit };
    deviceUserCode: { perIp: RateLimit };
    registration: RateLimit;
    accountRecovery: { perIp: RateLimit; perAddress: RateLimit; resetPerIp: RateLimit };
    verificationCodes: { checksPerIp: RateLimit; sendsPerAccount: RateLimit; checksPerAccount: RateLimit };
    liveChecks: { availabilityPerIp: RateLimit; strengthPerIp: RateLimit };
  };
  appservices: AppserviceConfig[];
  /** Outgoing mail; `password` read from `password_file` when given. */
  email: Omit<ConfigFile['email'], 'password_file'>;
  sms: {
    sender: ConfigFile['sms']['sender'];
    webhook?: { url: string; secret: string | undefined };
    twilio?: {
      accountSid: string;
      authToken: string;
      from: string | undefined;
      messagingServiceSid: string | undefined;
      apiBase: string;
    };
  };
  captcha:
    | {
        service: NonNullable<ConfigFile['captcha']['service']>;
        siteKey: string;
        secretKey: string;
        verifyUrl: string | undefined;
      }
    | undefined;
  branding: ConfigFile['branding'];
  /** The override directory, absolute; undefined when none. */
  templates: { path: string | undefined };
  /** Upstream identity providers, in the file's order (disabled ones included: their links stay). */
  upstream: UpstreamProvider[];
}

export interface RateLimit {
  burst: number;
  perSecond: number;
}
