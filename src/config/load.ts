import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { parseDocument } from 'yaml';
import { compileNamespaceRegex } from '../compat/appservices.js';
import { AA_TEXT_CONTRAST, contrast, formatRatio } from '../domain/contrast.js';
import { err, ok, type Result } from '../domain/result.js';
import type { PasswordScheme } from '../services/passwords/hasher.js';
import type { AppserviceConfig, Bind, Config, ListenerConfig, StaticClient } from './config.js';
import { applyEnvOverrides } from './env.js';
import { type ConfigProblem, formatProblem, problemsFromZod } from './problems.js';
import { appserviceRegistration, type ConfigFile, configSchema, RESOURCE_NAMES } from './schema.js';
import { parseSigningKey, type SigningKey } from './signing-keys.js';

export interface LoadOptions {
  /** Environment whose `MXAUTH_SECTION__KEY` variables override the file; none when absent. */
  env?: NodeJS.ProcessEnv;
}

/** Reads, parses, validates and resolves a YAML configuration file; every problem is reported, not just the first. */
export function loadConfigFile(file: string, options: LoadOptions = {}): Result<Config, ConfigProblem[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return err([{ path: '', message: `cannot read the configuration file ${file}: ${ioReason(e)}` }]);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return err(
      doc.errors.map((e) => ({
        path: '',
        message: `${file}:${e.linePos?.[0].line ?? '?'}:${e.linePos?.[0].col ?? '?'}: invalid YAML: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const raw = doc.toJS() ?? {};
  return parseConfig(raw, { ...options, baseDir: dirname(resolvePath(file)) });
}

/** Validates and resolves a configuration given as data (embedded mode, tests). Relative paths are against `baseDir`. */
export function parseConfig(
  raw: unknown,
  options: LoadOptions & { baseDir?: string } = {},
): Result<Config, ConfigProblem[]> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return err([
      { path: '', message: 'the configuration must be a mapping of sections (http, database, …)' },
    ]);
  const withEnv = options.env ? applyEnvOverrides(raw as Record<string, unknown>, options.env) : raw;
  const parsed = configSchema.safeParse(withEnv);
  if (!parsed.success) return err(problemsFromZod(parsed.error.issues, withEnv));
  return resolveConfig(parsed.data, options.baseDir ?? process.cwd());
}

function resolveConfig(file: ConfigFile, baseDir: string): Result<Config, ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  const at = (path: string) => (message: string) => problems.push({ path, message });
  const path = (p: string) => (isAbsolute(p) ? p : resolvePath(baseDir, p));

  /**
   * Reads `key` or `key_file`: exactly one of them when `required`. A file loses its trailing whitespace, as
   * Synapse strips the files it reads: `openssl rand -hex 32 > file` and editors end a file with a newline,
   * and a shared secret that kept it would not match the homeserver's copy (every introspection a 401).
   * Only a pepper is read `raw`: it is hashed into every password, so the bytes must stay those the hashes
   * were made with (MAS reads its pepper file as bytes too).
   */
  const secret = (
    section: Record<string, unknown>,
    key: string,
    where: string,
    required: boolean,
    raw = false,
  ) => {
    const inline = section[key] as string | undefined;
    const fromFile = section[`${key}_file`] as string | undefined;
    if (inline !== undefined && fromFile !== undefined) {
      at(`${where}.${key}`)(`set either ${key} or ${key}_file, not both`);
      return undefined;
    }
    if (fromFile !== undefined) {
      try {
        const text = readFileSync(path(fromFile), 'utf8');
        if (raw) return text;
        const trimmed = text.trimEnd();
        if (trimmed === '') at(`${where}.${key}_file`)(`${path(fromFile)} is empty`);
        return trimmed;
      } catch (e) {
        at(`${where}.${key}_file`)(`cannot read ${path(fromFile)}: ${ioReason(e)}`);
        return undefined;
      }
    }
    if (inline === undefined && required) at(`${where}.${key}`)(`is required (or ${key}_file)`);
    return inline;
  };

  const matrixSecret = secret(file.matrix, 'secret', 'matrix', file.matrix.kind !== 'none');

  const encryptionHex = secret(file.secrets, 'encryption', 'secrets', true)?.trim();
  let encryption = Buffer.alloc(0);
  if (encryptionHex !== undefined) {
    if (/^[0-9a-fA-F]{64}$/.test(encryptionHex)) encryption = Buffer.from(encryptionHex, 'hex');
    else
      at('secrets.encryption')(
        'must be 32 bytes written as 64 hex characters (mxauth config generate makes one)',
      );
  }

  const keys: SigningKey[] = [];
  file.secrets.keys.forEach((entry, i) => {
    const where = `secrets.keys.${i}`;
    const pem = secret(entry, 'key', where, true);
    const passphrase = secret(entry, 'password', where, false);
    if (pem === undefined) return;
    const key = parseSigningKey(pem, passphrase, entry.kid);
    if (!key.ok) at(`${where}.key`)(key.error);
    else if (keys.some((k) => k.kid === key.value.kid))
      at(`${where}.kid`)(`key id "${key.value.kid}" is used twice`);
    else keys.push(key.value);
  });
  if (!keys.some((k) => k.alg === 'RS256'))
    at('secrets.keys')('needs at least one RSA key (RS256 is mandatory in OpenID Connect)');
  if (!keys.some((k) => k.alg === 'ES256')) at('secrets.keys')('needs at least one EC P-256 key (ES256)');

  const schemes: PasswordScheme[] = [];
  file.passwords.schemes.forEach((scheme, i) => {
    const where = `passwords.schemes.${i}`;
    if (schemes.some((s) => s.version === scheme.version))
      at(`${where}.version`)(`version ${scheme.version} is used by another scheme`);
    const pepper = secret(scheme, 'secret', where, false, true);
    schemes.push({
      version: scheme.version,
      algorithm: scheme.algorithm,
      cost: scheme.cost,
      secret: pepper === undefined ? undefined : Buffer.from(pepper, 'utf8'),
      unicodeNormalization: scheme.unicode_normalization,
    });
  });

  const clients: StaticClient[] = [];
  file.clients.forEach((client, i) => {
    const where = `clients.${i}`;
    const secretValue = secret(client, 'client_secret', where, client.client_auth_method !== 'none')?.trim();
    if (client.client_auth_method === 'none' && secretValue !== undefined)
      at(`${where}.client_secret`)('a client with client_auth_method none has no secret');
    if (clients.some((c) => c.clientId === client.client_id))
      at(`${where}.client_id`)(`"${client.client_id}" is used twice`);
    const grantTypes =
      client.grant_types ??
      (client.redirect_uris.length > 0 ? ['authorization_code', 'refresh_token'] : ['client_credentials']);
    if (grantTypes.includes('client_credentials') && client.client_auth_method === 'none')
      at(`${where}.grant_types`)(
        'client_credentials needs a confidential client (a client_auth_method with a secret)',
      );
    if (grantTypes.includes('authorization_code') && client.redirect_uris.length === 0)
      at(`${where}.redirect_uris`)('a client using authorization_code needs at least one redirect URI');
    clients.push({
      clientId: client.client_id,
      authMethod: client.client_auth_method,
      secret: secretValue,
      name: client.client_name,
      redirectUris: client.redirect_uris,
      grantTypes,
    });
  });

  const appservices = resolveAppservices(file, at, path);

  const publicBase = new URL(
    file.http.public_base.endsWith('/') ? file.http.public_base : `${file.http.public_base}/`,
  );
  // Served under public_base's path by default (a proxy passing the path through); `prefix: /` is none.
  const defaultPrefix = publicBase.pathname.slice(0, -1);
  const listeners: ListenerConfig[] = file.http.listeners.map((l, i) => ({
    name: l.name ?? `listener${i}`,
    resources: new Set(l.resources?.map((r) => (typeof r === 'string' ? r : r.name)) ?? RESOURCE_NAMES),
    binds: l.binds.map(toBind),
    prefix: l.prefix === undefined ? defaultPrefix : l.prefix === '/' ? '' : l.prefix,
  }));

  const { password_file: _emailPasswordFile, ...emailFile } = file.email;
  const emailPassword = secret(file.email, 'password', 'email', false);
  const webhookSecret = file.sms.webhook
    ? secret(file.sms.webhook, 'secret', 'sms.webhook', false)
    : undefined;
  const twilioToken = file.sms.twilio ? secret(file.sms.twilio, 'auth_token', 'sms.twilio', true) : undefined;
  const captchaSecret = file.captcha.service
    ? secret(file.captcha, 'secret_key', 'captcha', true)
    : undefined;

  const templatesPath = file.templates.path === undefined ? undefined : path(file.templates.path);
  checkBranding(file.branding, templatesPath, at);

  if (problems.length > 0) return err(problems);

  const { password_registration_token_required, ...account } = file.account;
  return ok({
    http: {
      publicBase,
      issuer: file.http.issuer ?? file.http.public_base,
      listeners,
      trustedProxies: file.http.trusted_proxies,
    },
    database: {
      uri: resolveDatabaseUri(file.database.uri, baseDir),
      maxConnections: file.database.max_connections,
      connectTimeoutMs: file.database.connect_timeout * 1000,
      idleTimeoutMs: file.database.idle_timeout * 1000,
    },
    matrix: {
      kind: file.matrix.kind,
      homeserver: file.matrix.homeserver,
      endpoint: new URL(file.matrix.endpoint),
      secret: matrixSecret,
      wellKnownClient: file.matrix.well_known_client,
    },
    secrets: { encryption, keys },
    passwords: {
      enabled: file.passwords.enabled,
      schemes,
      minimumComplexity: file.passwords.minimum_complexity,
    },
    account: {
      ...account,
      registration_token_required:
        password_registration_token_required ?? account.registration_token_required,
    },
    clients,
    tokens: {
      accessTokenTtl: file.experimental.access_token_ttl ?? file.tokens.access_token_ttl,
      refreshTokenTtl: file.tokens.refresh_token_ttl,
      browserSessionTtl: file.tokens.browser_session_ttl,
      introspectionCacheEntries: file.tokens.introspection_cache_entries,
    },
    log: file.log,
    rateLimiting: {
      login: {
        perIp: {
          burst: file.rate_limiting.login.per_ip.burst,
          perSecond: file.rate_limiting.login.per_ip.per_second,
        },
        perAccount: {
          burst: file.rate_limiting.login.per_account.burst,
          perSecond: file.rate_limiting.login.per_account.per_second,
        },
      },
      clientRegistration: { perIp: rateLimit(file.rate_limiting.client_registration.per_ip) },
      deviceAuthorization: { perIp: rateLimit(file.rate_limiting.device_authorization.per_ip) },
      deviceUserCode: { perIp: rateLimit(file.rate_limiting.device_user_code.per_ip) },
    },
    appservices,
    email: { ...emailFile, password: emailPassword },
    sms: {
      sender: file.sms.sender,
      ...(file.sms.webhook ? { webhook: { url: file.sms.webhook.url, secret: webhookSecret } } : {}),
      ...(file.sms.twilio
        ? {
            twilio: {
              accountSid: file.sms.twilio.account_sid,
              authToken: twilioToken ?? '',
              from: file.sms.twilio.from,
              messagingServiceSid: file.sms.twilio.messaging_service_sid,
              apiBase: file.sms.twilio.api_base,
            },
          }
        : {}),
    },
    captcha:
      file.captcha.service && file.captcha.site_key
        ? {
            service: file.captcha.service,
            siteKey: file.captcha.site_key,
            secretKey: captchaSecret ?? '',
            verifyUrl: file.captcha.verify_url,
          }
        : undefined,
    branding: file.branding,
    templates: { path: templatesPath },
  });
}

/** Image files the override directory may hold, by extension, with the content type they are served as. */
export const BRAND_IMAGE_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** File names of the override directory that are served as they are: no directories, no dot files. */
export const BRAND_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Branding people could not read, or links a page should not carry. The primary colour is the text on
 * white cards (links) and the background of white button text, so it needs WCAG AA's 4.5:1 against
 * white; the colours that go with an admin's background are derived to reach it (web/branding.ts).
 */
function checkBranding(
  branding: ConfigFile['branding'],
  templatesPath: string | undefined,
  at: (path: string) => (message: string) => void,
): void {
  const { primary } = branding.colors;
  if (primary !== undefined) {
    const ratio = contrast(primary, '#ffffff');
    if (ratio < AA_TEXT_CONTRAST)
      at('branding.colors.primary')(
        `${primary} has a contrast of ${formatRatio(ratio)} with white (the text on buttons, the cards links sit on); WCAG AA needs at least ${AA_TEXT_CONTRAST}:1: choose a darker colour`,
      );
  }

  const links: [string, string][] = [
    ...branding.footer_links.map((l, i): [string, string] => [`branding.footer_links.${i}.uri`, l.uri]),
    ...(branding.policy_uri ? [['branding.policy_uri', branding.policy_uri] as [string, string]] : []),
    ...(branding.tos_uri ? [['branding.tos_uri', branding.tos_uri] as [string, string]] : []),
  ];
  for (const [where, uri] of links)
    if (!/^(https?|mailto):/i.test(uri)) at(where)('must be an https, http or mailto link');

  let directory = false;
  if (templatesPath !== undefined) {
    try {
      directory = statSync(templatesPath).isDirectory();
      if (!directory) at('templates.path')(`${templatesPath} is not a directory`);
    } catch (e) {
      at('templates.path')(`cannot read ${templatesPath}: ${ioReason(e)}`);
    }
  }

  const logo = branding.logo_uri;
  if (logo === undefined) return;
  const logoAt = at('branding.logo_uri');
  if (/^[a-z][a-z0-9+.-]*:/i.test(logo)) {
    if (!URL.canParse(logo) || !logo.toLowerCase().startsWith('https://'))
      logoAt('must be an https URL or the name of an image file in templates.path');
    return;
  }
  if (!BRAND_FILE_NAME.test(logo) || !BRAND_IMAGE_TYPES[extname(logo).toLowerCase()]) {
    logoAt(
      `"${logo}" must be the name of an image file directly in templates.path (${Object.keys(BRAND_IMAGE_TYPES).join(', ')}), or an https URL`,
    );
    return;
  }
  if (templatesPath === undefined) {
    logoAt(`names a file (${logo}), so templates.path must be set to the directory that holds it`);
    return;
  }
  if (!directory) return;
  try {
    if (!statSync(join(templatesPath, logo)).isFile()) logoAt(`${join(templatesPath, logo)} is not a file`);
  } catch (e) {
    logoAt(`cannot read ${join(templatesPath, logo)}: ${ioReason(e)}`);
  }
}

/** The registration's own fields (the entry's `appservice_login` is mxauth's, read from the entry). */
type Registration = ReturnType<typeof appserviceRegistration.parse>;

/**
 * Reads the appservice registrations (inline, or from Synapse registration files) and compiles their user
 * namespaces. Problems inside a file are reported at `appservices.N.file`, naming the key in the file.
 */
function resolveAppservices(
  file: ConfigFile,
  at: (path: string) => (message: string) => void,
  path: (p: string) => string,
): AppserviceConfig[] {
  const appservices: AppserviceConfig[] = [];
  file.appservices.forEach((entry, i) => {
    const where = `appservices.${i}`;
    let registration: Registration;
    let source: string | undefined;
    // Where a problem with a key of the registration is reported, and how the key is named.
    let report: (key: string, message: string) => void;
    // A registration given inline may carry any key, even `file`; the file form has nothing but `file`.
    if (!('id' in entry)) {
      source = path((entry as { file: string }).file);
      const fileAt = at(`${where}.file`);
      report = (key, message) => fileAt(`${source}: ${key}: ${message}`);
      let text: string;
      try {
        text = readFileSync(source, 'utf8');
      } catch (e) {
        fileAt(`cannot read ${source}: ${ioReason(e)}`);
        return;
      }
      const doc = parseDocument(text, { uniqueKeys: true });
      if (doc.errors.length > 0) {
        const e = doc.errors[0]!;
        fileAt(
          `${source}:${e.linePos?.[0].line ?? '?'}:${e.linePos?.[0].col ?? '?'}: invalid YAML: ${e.message.split('\n')[0]}`,
        );
        return;
      }
      const raw = doc.toJS() ?? {};
      const parsed = appserviceRegistration.safeParse(raw);
      if (!parsed.success) {
        for (const problem of problemsFromZod(parsed.error.issues, raw))
          fileAt(`${source}: ${formatProblem(problem)}`);
        return;
      }
      registration = parsed.data;
    } else {
      registration = entry as Registration;
      report = (key, message) => at(`${where}.${key}`)(message);
    }
    const userNamespaces: AppserviceConfig['userNamespaces'] = [];
    let valid = true;
    registration.namespaces.users.forEach((namespace, j) => {
      const regex = compileNamespaceRegex(namespace.regex);
      if (regex.ok) userNamespaces.push({ exclusive: namespace.exclusive, regex: regex.value });
      else {
        report(`namespaces.users.${j}.regex`, `not a usable regular expression: ${regex.error}`);
        valid = false;
      }
    });
    if (appservices.some((a) => a.id === registration.id)) {
      report('id', `appservice id "${registration.id}" is used twice`);
      valid = false;
    } else if (appservices.some((a) => a.asToken === registration.as_token)) {
      report('as_token', `the as_token of appservice "${registration.id}" is also another appservice's`);
      valid = false;
    }
    if (!valid) return;
    appservices.push({
      id: registration.id,
      asToken: registration.as_token,
      sender: `@${registration.sender_localpart}:${file.matrix.homeserver}`,
      userNamespaces,
      file: source,
      login: entry.appservice_login,
    });
  });
  return appservices;
}

function toBind(bind: ConfigFile['http']['listeners'][number]['binds'][number]): Bind {
  if ('socket' in bind) return { socket: bind.socket };
  if ('port' in bind) return { host: bind.host ?? '::', port: bind.port };
  const separator = bind.address.lastIndexOf(':');
  const host = bind.address.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  return { host: host || '::', port: Number(bind.address.slice(separator + 1)) };
}

/** SQLite paths in the config are relative to the config file, so a config and its database move together. */
export function resolveDatabaseUri(uri: string, baseDir: string): string {
  if (!uri.startsWith('sqlite:') || uri === 'sqlite::memory:') return uri;
  const file = uri.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  return `sqlite:${isAbsolute(file) ? file : resolvePath(baseDir, file)}`;
}

function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (e as Error).message;
}

function rateLimit(file: { burst: number; per_second: number }): { burst: number; perSecond: number } {
  return { burst: file.burst, perSecond: file.per_second };
}
