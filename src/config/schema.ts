import { isIP } from 'node:net';
import { z } from 'zod';
import { upstreamOAuth2 } from './upstream-schema.js';

/*
 * The configuration file's schema. It is the single source of the config types, the defaults, the JSON
 * Schema (`mxauth config schema`) and the table in docs/configuration.md (`npm run docs:config`).
 * Key names follow MAS's wherever the concept is the same, so a MAS configuration reads the same here.
 */

const seconds = (description: string, fallback: number) =>
  z.number().int().positive().default(fallback).describe(`${description} (seconds)`);

// The loader drops a file's trailing whitespace except for a pepper (`raw`), whose bytes are hashed as they are.
const secretPair = <K extends string>(key: K, description: string, raw = false) =>
  ({
    [key]: z.string().min(1).optional().describe(description),
    [`${key}_file`]: z
      .string()
      .min(1)
      .optional()
      .describe(
        `Path of a file holding \`${key}\` instead (${raw ? 'read as is, a final newline included' : 'trailing newlines and spaces dropped'})`,
      ),
  }) as Record<K | `${K}_file`, z.ZodOptional<z.ZodString>>;

// host:port with the host a name, an IPv4 address or a bracketed IPv6 address.
const ADDRESS = /^(?<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):(?<port>\d{1,5})$/;

export const RESOURCE_NAMES = [
  'health',
  'prometheus',
  'discovery',
  'human',
  'oauth',
  'compat',
  'adminapi',
  'assets',
  'connection-info',
] as const;
export type ResourceName = (typeof RESOURCE_NAMES)[number];

const resource = z
  .union([z.enum(RESOURCE_NAMES), z.strictObject({ name: z.enum(RESOURCE_NAMES) })])
  .describe('A resource served on this listener: a name, or `{name: …}` as in MAS');

const bind = z
  .union([
    z.strictObject({
      address: z
        .string()
        .superRefine((address, ctx) => {
          const port = ADDRESS.exec(address)?.groups?.port;
          if (port === undefined)
            ctx.addIssue({
              code: 'custom',
              message: 'expected host:port, e.g. "127.0.0.1:8080" or "[::]:8080"',
            });
          else if (Number(port) > 65535)
            ctx.addIssue({ code: 'custom', message: 'the port must be 0–65535' });
        })
        .describe('`host:port` to listen on; `[::]:8080` for every interface; port 0 picks a free one'),
    }),
    z.strictObject({
      host: z.string().min(1).optional().describe('Host name or address; every interface when absent'),
      port: z.number().int().min(0).max(65535).describe('TCP port; 0 picks a free one'),
    }),
    z.strictObject({ socket: z.string().min(1).describe('Path of a Unix domain socket') }),
  ])
  .describe('Where a listener accepts connections: `address`, `host` + `port`, or `socket`');

const listener = z.strictObject({
  name: z.string().min(1).optional().describe('A name for logs'),
  resources: z
    .array(resource)
    .min(1)
    .optional()
    .describe(
      'What this listener serves; all resources when absent. Put `prometheus` on an internal listener.',
    ),
  binds: z.array(bind).min(1).describe('Addresses to listen on'),
  prefix: z
    .string()
    .regex(/^\/(?:[^?#]*[^/?#])?$/, 'a path such as /auth, without a trailing slash, or / for none')
    .optional()
    .describe(
      "Path prefix the listener expects on every request and strips; the path of `public_base` when absent. Set `/` behind a proxy that strips public_base's path itself",
    ),
});

const http = z.strictObject({
  public_base: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
    .refine(
      (url) => !/^https?:\/\//.test(url) || !/[?#]/.test(url),
      'must not have a query or a fragment, e.g. https://auth.example.com/ or https://example.com/auth/',
    )
    .describe(
      'The URL clients and browsers reach mxauth at; may have a path (`https://example.com/auth/`), under which every URL mxauth prints then lies',
    ),
  issuer: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('OpenID Connect issuer identifier; `public_base` when absent'),
  listeners: z
    .array(listener)
    .min(1)
    .default([{ name: 'web', binds: [{ address: '[::]:8080' }] }])
    .describe('HTTP listeners'),
  trusted_proxies: z
    .array(
      z.string().refine(isNetwork, {
        message: 'must be an IP address or a network in CIDR form, such as 10.0.0.0/8 or fd00::/8',
      }),
    )
    // MAS's default, as MAS writes it (10.0.0.0/10 is only 10.0–10.63): a config moved from MAS trusts the same.
    .default(['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/10', '127.0.0.1/8', 'fd00::/8', '::1/128'])
    .describe(
      'Networks whose `X-Forwarded-For` is believed when finding the client address (read from the right, hop by hop)',
    ),
});

const database = z.strictObject({
  uri: z
    .string()
    .superRefine((uri, ctx) => {
      if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(uri))
        ctx.addIssue({
          code: 'custom',
          message: `unknown database scheme "${uri.split(':')[0]}:"; use sqlite:PATH, sqlite::memory: or postgresql://…`,
        });
    })
    .default('sqlite:mxauth.db')
    .describe(
      '`sqlite:PATH` (relative to the config file), `sqlite::memory:`, or `postgresql://user@host/db`',
    ),
  max_connections: z.number().int().min(1).default(10).describe('Connection pool size (PostgreSQL)'),
  connect_timeout: seconds('How long to wait for a new connection', 30),
  idle_timeout: seconds('Close a pooled connection after this long unused', 600),
});

const matrix = z.strictObject({
  kind: z
    .enum(['synapse', 'synapse_legacy', 'none'])
    .default('synapse')
    .describe(
      'Homeserver connector: `synapse` (>= 1.136), `synapse_legacy` (admin API) or `none` (standalone)',
    ),
  homeserver: z
    .string()
    .min(1)
    .default('localhost:8008')
    .describe('The Matrix server name: the part after `:` in user ids'),
  endpoint: z
    .url({ protocol: /^https?$/ })
    .default('http://localhost:8008/')
    .describe("The homeserver's client-server API base URL"),
  ...secretPair('secret', 'Shared secret with the homeserver; required unless `kind` is `none`'),
  well_known_client: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      'Base of the `/.well-known/matrix/client` document mxauth serves when that path is routed to it (e.g. `{"m.homeserver": {"base_url": "https://matrix.example.org"}}`); mxauth adds `org.matrix.msc2965.authentication`. Not served when absent',
    ),
});

const signingKey = z.strictObject({
  kid: z.string().min(1).optional().describe('Key id; derived from the key when absent'),
  ...secretPair('key', 'PEM private key (PKCS#1, PKCS#8 or SEC1)'),
  ...secretPair('password', 'Passphrase of an encrypted PEM key'),
});

const secrets = z.strictObject({
  ...secretPair('encryption', '32 bytes as 64 hex characters: encrypts secrets kept in the database'),
  keys: z
    .array(signingKey)
    .default([])
    .describe('Signing keys for ID tokens; at least one RSA key and one EC P-256 key'),
});

const passwordScheme = z.strictObject({
  version: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .describe('Stored beside each hash; the highest version hashes new passwords'),
  algorithm: z.enum(['argon2id', 'bcrypt', 'pbkdf2']).default('argon2id').describe('Hash algorithm'),
  cost: z.number().int().min(4).max(31).default(12).describe('bcrypt cost factor'),
  unicode_normalization: z
    .boolean()
    .default(false)
    .describe(
      'NFKC-normalise passwords first, as Synapse does: set it on a scheme for imported Synapse hashes',
    ),
  ...secretPair(
    'secret',
    'Pepper mixed into every hash of this scheme (Synapse: `password_config.pepper`)',
    true,
  ),
});

const passwords = z.strictObject({
  enabled: z.boolean().default(true).describe('Allow password sign-in'),
  schemes: z
    .array(passwordScheme)
    .min(1)
    .prefault([{ version: 1 }])
    .describe('Hashing schemes; older ones verify existing hashes, which are upgraded on the next sign-in'),
  minimum_complexity: z
    .number()
    .int()
    .min(0)
    .max(4)
    .default(3)
    .describe('Minimum zxcvbn score (0–4) of a new password'),
});

const flag = (fallback: boolean, description: string) => z.boolean().default(fallback).describe(description);

const account = z.strictObject({
  password_registration_enabled: flag(false, 'Let people create accounts with a password'),
  password_registration_email_required: flag(
    true,
    'Ask for a verified email address at password registration',
  ),
  registration_token_required: flag(false, 'Registration needs a token issued by an admin'),
  password_registration_token_required: z
    .boolean()
    .optional()
    .describe('MAS name of `registration_token_required`; overrides it when set'),
  password_change_allowed: flag(true, 'Let users change their password'),
  password_recovery_enabled: flag(false, 'Let users reset a forgotten password by email'),
  email_change_allowed: flag(true, 'Let users add and remove email addresses'),
  displayname_change_allowed: flag(true, 'Let users change their display name'),
  account_deactivation_allowed: flag(true, 'Let users deactivate their own account'),
  login_with_email_allowed: flag(
    false,
    'Accept a verified email address in place of the username at sign-in',
  ),
  phone_change_allowed: flag(
    true,
    'Let users add and remove phone numbers (verified by SMS; needs `sms.sender`)',
  ),
});

const email = z
  .strictObject({
    transport: z
      .enum(['blackhole', 'smtp', 'sendmail', 'log'])
      .default('blackhole')
      .describe(
        'How mail leaves: `smtp`, the local `sendmail` command, `blackhole` (dropped, logged without its content) or `log` (development only: the whole mail, codes and links included, written to the log; refused with an https `public_base`)',
      ),
    from: z
      .string()
      .min(3)
      .default('"Authentication Service" <root@localhost>')
      .describe('The From header of every mail (RFC 5322 mailbox)'),
    reply_to: z.string().min(3).optional().describe('The Reply-To header; none when absent'),
    mode: z
      .enum(['plain', 'tls', 'starttls'])
      .default('starttls')
      .describe('SMTP connection security: `starttls` (upgrade, required), `tls` (implicit TLS) or `plain`'),
    hostname: z.string().min(1).optional().describe('SMTP server host name (required for `smtp`)'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe('SMTP server port; 587 for starttls, 465 for tls, 25 for plain when absent'),
    username: z.string().min(1).optional().describe('SMTP user name; no authentication when absent'),
    ...secretPair('password', 'SMTP password'),
    command: z.string().min(1).default('sendmail').describe('The sendmail command (`sendmail` transport)'),
  })
  .superRefine((value, ctx) => {
    if (value.transport === 'smtp' && !value.hostname)
      ctx.addIssue({ code: 'custom', path: ['hostname'], message: 'is required when transport is smtp' });
  });

const sms = z
  .strictObject({
    sender: z
      .enum(['none', 'webhook', 'twilio'])
      .default('none')
      .describe(
        'How verification texts are sent: `webhook` (a JSON POST to your gateway), `twilio` (the Twilio Messages API or a compatible one), or `none` (no phone numbers)',
      ),
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }).describe('Receives `{"to": "+4930…", "body": "…"}` as JSON'),
        ...secretPair('secret', 'Sent as `Authorization: Bearer <secret>`'),
      })
      .optional()
      .describe('The `webhook` sender'),
    twilio: z
      .strictObject({
        account_sid: z.string().min(1).describe('Account SID'),
        ...secretPair('auth_token', 'Auth token'),
        from: z
          .string()
          .regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +4930123456')
          .optional()
          .describe('Sender number (E.164)'),
        messaging_service_sid: z
          .string()
          .min(1)
          .optional()
          .describe('Messaging service to send from instead of `from`'),
        api_base: z
          .url({ protocol: /^https?$/ })
          .default('https://api.twilio.com/')
          .describe('API base URL, for Twilio-compatible providers'),
      })
      .optional()
      .describe('The `twilio` sender'),
  })
  .superRefine((value, ctx) => {
    if (value.sender !== 'none' && !value[value.sender])
      ctx.addIssue({
        code: 'custom',
        path: [value.sender],
        message: `is required when sender is ${value.sender}`,
      });
    if (value.twilio && !value.twilio.from && !value.twilio.messaging_service_sid)
      ctx.addIssue({
        code: 'custom',
        path: ['twilio', 'from'],
        message: 'set from or messaging_service_sid',
      });
  });

const captcha = z
  .strictObject({
    service: z
      .enum(['recaptcha_v2', 'hcaptcha', 'cloudflare_turnstile'])
      .optional()
      .describe('CAPTCHA at registration; none when absent'),
    site_key: z.string().min(1).optional().describe("The provider's site key (public)"),
    ...secretPair('secret_key', "The provider's secret key"),
    verify_url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        "Override of the provider's siteverify endpoint (a proxy, or a self-hosted compatible service)",
      ),
  })
  .superRefine((value, ctx) => {
    if (value.service && !value.site_key)
      ctx.addIssue({ code: 'custom', path: ['site_key'], message: 'is required when service is set' });
  });

const hexColour = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
  .describe('A colour as `#rrggbb`');

const branding = z.strictObject({
  service_name: z
    .string()
    .min(1)
    .optional()
    .describe('Name shown in page titles and headers; the server name when absent'),
  logo_uri: z
    .string()
    .min(1)
    .optional()
    .describe('Logo in the page header: an https URL, or a file name in `templates.path`'),
  colors: z
    .strictObject({
      primary: hexColour.optional().describe('Buttons and links (needs 4.5:1 contrast with white)'),
      background: hexColour.optional().describe('Page background'),
    })
    .prefault({})
    .describe('Colours of the pages'),
  footer_links: z
    .array(z.strictObject({ text: z.string().min(1), uri: z.url() }))
    .default([])
    .describe('Links in every page footer, e.g. `{text: Imprint, uri: https://…}`'),
  policy_uri: z.url().optional().describe('Privacy policy, linked in the footer and at registration'),
  tos_uri: z
    .url()
    .optional()
    .describe(
      'Terms of service: accepted at registration; when it changes, users accept again at their next sign-in',
    ),
  imprint: z.string().min(1).optional().describe('A line of legal text in the footer'),
});

const templates = z.strictObject({
  path: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Directory of overrides (relative to the config file): `layout.html`, `custom.css`, `messages/<lang>.json`, images; see docs/branding.md',
    ),
});

const staticClient = z.strictObject({
  client_id: z
    .string()
    .regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/, 'printable ASCII without spaces, quotes or backslashes')
    .describe('The client id (MAS uses ULIDs)'),
  client_auth_method: z
    .enum(['none', 'client_secret_basic', 'client_secret_post'])
    .default('client_secret_basic')
    .describe('How the client authenticates at the token, revocation and introspection endpoints'),
  ...secretPair('client_secret', 'Secret of a confidential client'),
  client_name: z.string().min(1).optional().describe('Name shown on the consent page'),
  redirect_uris: z.array(z.url()).default([]).describe('Exact redirect URIs, for clients that sign users in'),
  grant_types: z
    .array(z.enum(['authorization_code', 'refresh_token', 'client_credentials']))
    .optional()
    .describe(
      'Allowed grants; `authorization_code` + `refresh_token` when it has redirect URIs, else `client_credentials`',
    ),
});

const tokens = z.strictObject({
  access_token_ttl: z
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(300)
    .describe('Lifetime of access tokens, in seconds; clients refresh them'),
  refresh_token_ttl: z
    .number()
    .int()
    .min(3600)
    .default(365 * 86_400)
    .describe(
      'Lifetime of a refresh token, renewed at every refresh; a device unused for longer is signed out (seconds)',
    ),
  browser_session_ttl: z
    .number()
    .int()
    .min(300)
    .default(30 * 86_400)
    .describe('How long a browser stays signed in to mxauth itself (seconds)'),
  introspection_cache_entries: z
    .number()
    .int()
    .min(0)
    .default(100_000)
    .describe(
      'Live tokens each instance keeps in memory for introspection (about 1 KB each). A change to a token or its owner removes it at once on the instance that made it, and on the others when the database notifies them (milliseconds). 0 turns the cache off',
    ),
});

const experimental = z.strictObject({
  access_token_ttl: z
    .number()
    .int()
    .min(60)
    .max(86_400)
    .optional()
    .describe('MAS name of `tokens.access_token_ttl`'),
});

/** One user namespace of an appservice registration, as Synapse reads it. */
const appserviceNamespace = z.looseObject({
  exclusive: z.boolean().describe('Whether the appservice alone owns the matching users'),
  regex: z
    .string()
    .describe(
      'Python-style regular expression matched from the start of the full user id (`@bot_.*:example.org`)',
    ),
});

/**
 * The fields of a Synapse appservice registration that mxauth reads; the others (`hs_token`, `url`,
 * `rate_limited`, room and alias namespaces…) are accepted and ignored, so a registration file or a copy
 * of it reads as is.
 */
export const appserviceRegistration = z.looseObject({
  id: z.string().min(1).describe('The appservice id (unique)'),
  as_token: z
    .string()
    .min(1)
    .describe('The token the appservice authenticates with (`m.login.application_service`)'),
  sender_localpart: z.string().min(1).describe("Localpart of the appservice's own user"),
  namespaces: z
    .looseObject({
      users: z
        .array(appserviceNamespace)
        .default([])
        .describe('User namespaces; the appservice may sign in users of its exclusive ones'),
    })
    .prefault({})
    .describe('Namespaces; only `users` matters to mxauth'),
});

// MSC4190: with the OAuth 2.0 API an appservice manages its devices through the homeserver, and
// `m.login.application_service` is refused. Bridges that predate it need the old login back, one by one.
const appserviceLogin = flag(
  false,
  'Let this appservice sign its users in with `m.login.application_service` (for bridges without MSC4190 support); otherwise that login answers `M_APPSERVICE_LOGIN_UNSUPPORTED`',
);

const appservice = z
  .union([
    z.strictObject({
      file: z
        .string()
        .min(1)
        .describe("Path of a Synapse appservice registration YAML file (relative to this file's directory)"),
      appservice_login: appserviceLogin,
    }),
    appserviceRegistration.extend({ appservice_login: appserviceLogin }),
  ])
  .describe('An appservice registration: `{file: path}` or its fields inline');

const rate = (burst: number, perSecond: number, what: string) =>
  z
    .strictObject({
      burst: z.number().positive().default(burst).describe('Attempts allowed at once'),
      per_second: z.number().positive().default(perSecond).describe('Attempts regained per second'),
    })
    .prefault({})
    .describe(what);

const rateLimiting = z.strictObject({
  login: z
    .strictObject({
      per_ip: rate(3, 3 / 60, 'Password checks per client address (IPv6: per /64)'),
      // Not MAS's 1800 an hour: that lets 1800 guesses an hour at anyone's password, then locks the owner
      // out everywhere. Only wrong passwords count here, and a browser that signed in before has its own.
      per_account: rate(
        10,
        30 / 3600,
        'Wrong passwords per account (a browser that signed in to it before counts apart)',
      ),
    })
    .prefault({})
    .describe(
      'Wrong passwords (the login page, the account pages and the compatibility login API share the limits; right ones do not count)',
    ),
  // Not MAS's `registration` (which limits account registration): this one is OAuth client registration.
  client_registration: z
    .strictObject({
      per_ip: rate(20, 1 / 60, 'Client registrations per client address (IPv6: per /64)'),
    })
    .prefault({})
    .describe('Dynamic client registration (`POST /oauth2/registration`), refused and accepted alike'),
  device_authorization: z
    .strictObject({
      per_ip: rate(10, 1 / 60, 'Device authorizations started per client address (IPv6: per /64)'),
    })
    .prefault({})
    .describe('Device authorizations (`POST /oauth2/device`)'),
  device_user_code: z
    .strictObject({
      per_ip: rate(10, 10 / 3600, 'Wrong codes per client address (IPv6: per /64)'),
    })
    .prefault({})
    .describe('Wrong or expired codes typed on the device sign-in page (`/link`)'),
  // MAS's key and shape: account registrations, per client address.
  registration: rate(
    10,
    0.1,
    'Account registration forms submitted per client address (IPv6: per /64); each may cost a CAPTCHA check, a homeserver call and a password hash',
  ),
  account_recovery: z
    .strictObject({
      per_ip: rate(5, 1 / 60, 'Recovery mails asked for per client address (IPv6: per /64)'),
      per_address: rate(3, 1 / 600, 'Recovery mails asked for per email address'),
      reset_per_ip: rate(10, 0.1, 'New passwords set from recovery links per client address (IPv6: per /64)'),
    })
    .prefault({})
    .describe('Password recovery (`/recover`): asking mails someone, so fewer per address asked about'),
  verification_codes: z
    .strictObject({
      checks_per_ip: rate(10, 0.1, 'Registration codes typed in per client address (IPv6: per /64)'),
      sends_per_account: rate(
        5,
        10 / 3600,
        'Codes an account may have sent to new addresses or numbers, whatever the targets',
      ),
      checks_per_account: rate(10, 10 / 60, 'Codes an account may type in for new addresses or numbers'),
    })
    .prefault({})
    .describe(
      'Codes that prove an email address or phone number (each code also dies after a few wrong guesses)',
    ),
  live_checks: z
    .strictObject({
      availability_per_ip: rate(20, 0.5, 'Username availability checks per client address (IPv6: per /64)'),
      strength_per_ip: rate(30, 1, 'Password strength checks per client address (IPv6: per /64)'),
    })
    .prefault({})
    .describe(
      'The checks the registration and password pages make while a person types (generous for typing, tight for listing names)',
    ),
});

const log = z.strictObject({
  level: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Least severe level written'),
  format: z
    .enum(['text', 'json'])
    .optional()
    .describe(
      'How lines are written: `text` for a person at a terminal, `json` for machines (default: `text` when stdout is a terminal, else `json`)',
    ),
});

export const configSchema = z
  .strictObject({
    http: http.describe('Where mxauth listens and how it is reached'),
    database: database.prefault({}).describe('Storage'),
    matrix: matrix.prefault({}).describe('The homeserver mxauth authenticates for'),
    secrets: secrets.describe('Keys and secrets'),
    passwords: passwords.prefault({}).describe('Password sign-in and hashing'),
    account: account.prefault({}).describe('What people may do with their account'),
    tokens: tokens.prefault({}).describe('Token and session lifetimes'),
    clients: z
      .array(staticClient)
      .default([])
      .describe('Clients defined by the operator (admin tools, bots, back-ends)'),
    experimental: experimental
      .prefault({})
      .describe('Keys MAS keeps under `experimental`, accepted for compatibility'),
    log: log.prefault({}).describe('Logging'),
    rate_limiting: rateLimiting
      .prefault({})
      .describe(
        'Rate limits (token buckets per key); `login`, `registration` and `account_recovery` have the names and shapes MAS uses',
      ),
    email: email.prefault({}).describe('Outgoing mail (verification codes, recovery links)'),
    sms: sms.prefault({}).describe('Outgoing text messages (phone number verification)'),
    captcha: captcha.prefault({}).describe('CAPTCHA at registration'),
    branding: branding.prefault({}).describe('How the pages look'),
    templates: templates.prefault({}).describe('Page and mail overrides'),
    upstream_oauth2: upstreamOAuth2
      .prefault({})
      .describe("Upstream OpenID Connect and OAuth 2.0 providers people sign in through (MAS's section)"),
    appservices: z
      .array(appservice)
      .default([])
      .describe(
        'Appservice registrations (as given to Synapse). With `appservice_login`, one may sign in users of its exclusive user namespaces with `m.login.application_service`',
      ),
  })
  .describe('mxauth configuration');

export type ConfigFile = z.output<typeof configSchema>;
export type ConfigFileInput = z.input<typeof configSchema>;

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** An address, or address/prefix with a prefix the family allows (http.trusted_proxies). */
function isNetwork(value: string): boolean {
  const [address = '', bits, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d+$/.test(bits) && prefix <= (family === 6 ? 128 : 32);
}
