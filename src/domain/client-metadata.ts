import { parse as parseHost } from 'tldts';
import { err, ok, type Result } from './result.js';

/*
 * The Matrix rules for dynamically registered clients (MSC2966, spec "Client registration"), on top of
 * RFC 7591: every URI belongs to the client's own site, so a client cannot borrow another's identity.
 */

/** Why a registration was refused: a redirect URI, or any other field (RFC 7591 §3.2.2 tells them apart). */
export type ClientMetadataError = {
  field: 'redirect_uris' | 'other';
  description: string;
};

export interface LocalizedValue {
  field: string;
  /** BCP 47 language tag as given (`fr`, `pt-BR`). */
  language: string;
  value: string;
}

export interface CheckedClientMetadata {
  /** The metadata without `#language` keys: what the OAuth engine is given. */
  metadata: Record<string, unknown>;
  localized: LocalizedValue[];
}

const URI_FIELDS = ['client_uri', 'logo_uri', 'policy_uri', 'tos_uri'] as const;
const LOCALIZABLE = new Set(['client_name', ...URI_FIELDS]);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

/**
 * Size limits: a registration is anonymous, and every row it writes is kept until swept, so no field may
 * be larger than a real client needs (the whole body is capped too, in the registration hook).
 */
export const METADATA_LIMITS = {
  /** Characters of client_name and of each of its translations. */
  name: 256,
  /** Characters of every other text: URIs, contacts, scopes. */
  text: 2048,
  /** Entries of every list: redirect_uris, post_logout_redirect_uris, grant_types, contacts. */
  list: 20,
  /** `field#language` keys. */
  localized: 20,
} as const;

export function checkClientMetadata(input: unknown): Result<CheckedClientMetadata, ClientMetadataError> {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return invalid('the registration request must be a JSON object');
  const tooLarge = sizeProblem(input as Record<string, unknown>);
  if (tooLarge) return invalid(tooLarge);
  const metadata: Record<string, unknown> = {};
  const localized: LocalizedValue[] = [];
  for (const [key, value] of Object.entries(input)) {
    const hash = key.indexOf('#');
    if (hash === -1) {
      metadata[key] = value;
      continue;
    }
    const field = key.slice(0, hash);
    const language = key.slice(hash + 1);
    if (!LOCALIZABLE.has(field)) return invalid(`${key}: only client_name and the URIs can be localized`);
    if (!LANGUAGE_TAG.test(language)) return invalid(`${key}: "${language}" is not a language tag`);
    if (typeof value !== 'string' || value.length === 0) return invalid(`${key} must be a non-empty string`);
    localized.push({ field, language, value });
  }

  const clientUri = httpsUrl(metadata.client_uri);
  if (typeof clientUri === 'string') return invalid(`client_uri ${clientUri}`);
  const site = clientUri.hostname;
  // On a public suffix (com, co.uk, github.io), "on the client's site" would mean any site under it.
  if (isPublicSuffix(site))
    return invalid(
      `client_uri ${site} is a public suffix, shared by unrelated sites: use the client's own domain`,
    );

  for (const field of URI_FIELDS.slice(1)) {
    if (metadata[field] === undefined) continue;
    const problem = onSite(metadata[field], site);
    if (problem) return invalid(`${field} ${problem}`);
  }
  for (const { field, language, value } of localized) {
    if (field === 'client_name') continue;
    const problem = onSite(value, site);
    if (problem) return invalid(`${field}#${language} ${problem}`);
  }

  const applicationType = metadata.application_type ?? 'web';
  if (applicationType !== 'web' && applicationType !== 'native')
    return invalid('application_type must be "web" or "native"');

  const redirectUris = metadata.redirect_uris ?? [];
  if (!Array.isArray(redirectUris) || redirectUris.some((u) => typeof u !== 'string'))
    return {
      ok: false,
      error: { field: 'redirect_uris', description: 'redirect_uris must be a list of URIs' },
    };
  for (const uri of redirectUris as string[]) {
    const problem =
      applicationType === 'web' ? webRedirectProblem(uri, site) : nativeRedirectProblem(uri, site);
    if (problem) return { ok: false, error: { field: 'redirect_uris', description: `${uri}: ${problem}` } };
  }
  // Where a client sends people after logout, and where mxauth calls it, follow the same rules.
  const logoutUris = metadata.post_logout_redirect_uris ?? [];
  if (!Array.isArray(logoutUris) || logoutUris.some((u) => typeof u !== 'string'))
    return invalid('post_logout_redirect_uris must be a list of URIs');
  for (const uri of logoutUris as string[]) {
    const problem =
      applicationType === 'web' ? webRedirectProblem(uri, site) : nativeRedirectProblem(uri, site);
    if (problem) return invalid(`post_logout_redirect_uris: ${uri}: ${problem}`);
  }
  if (metadata.backchannel_logout_uri !== undefined) {
    const problem = onSite(metadata.backchannel_logout_uri, site);
    if (problem) return invalid(`backchannel_logout_uri ${problem}`);
  }
  return ok({ metadata, localized });
}

/** Why the metadata is larger than any real client's, if it is. */
function sizeProblem(input: Record<string, unknown>): string | undefined {
  let localized = 0;
  for (const [key, value] of Object.entries(input)) {
    if (key.includes('#') && ++localized > METADATA_LIMITS.localized)
      return `at most ${METADATA_LIMITS.localized} localized (field#language) values are accepted`;
    const limit =
      key === 'client_name' || key.startsWith('client_name#') ? METADATA_LIMITS.name : METADATA_LIMITS.text;
    if (typeof value === 'string' && value.length > limit)
      return `${key} must be at most ${limit} characters`;
    if (!Array.isArray(value)) continue;
    if (value.length > METADATA_LIMITS.list) return `${key} may have at most ${METADATA_LIMITS.list} entries`;
    if (value.some((entry) => typeof entry === 'string' && entry.length > METADATA_LIMITS.text))
      return `each entry of ${key} must be at most ${METADATA_LIMITS.text} characters`;
  }
  return undefined;
}

/**
 * Whether a host is a public suffix (ICANN's and the private section's, like github.io), under which
 * hosts belong to unrelated owners. localhost stays usable for development, as before; IP addresses have
 * no suffix.
 */
function isPublicSuffix(host: string): boolean {
  const parsed = parseHost(host, { allowPrivateDomains: true });
  if (parsed.isIp || parsed.hostname === 'localhost') return false;
  return parsed.domain === null;
}

function invalid(description: string): { ok: false; error: ClientMetadataError } {
  return err({ field: 'other', description });
}

/** A URL, or why it is not an acceptable https URL. */
function httpsUrl(value: unknown): URL | string {
  if (value === undefined) return 'is required';
  if (typeof value !== 'string') return 'must be a string';
  const url = URL.parse(value);
  if (!url) return 'is not a valid URL';
  if (url.protocol !== 'https:') return 'must use https';
  if (url.username || url.password) return 'must not contain a user name or password';
  return url;
}

const sameSite = (host: string, site: string) => host === site || host.endsWith(`.${site}`);

function onSite(value: unknown, site: string): string | undefined {
  const url = httpsUrl(value);
  if (typeof url === 'string') return url;
  if (!sameSite(url.hostname, site)) return `must be on ${site} or a subdomain of it, like client_uri`;
  return undefined;
}

function webRedirectProblem(uri: string, site: string): string | undefined {
  const url = URL.parse(uri);
  if (!url) return 'not a valid URI';
  if (uri.includes('#')) return 'redirect URIs must not contain a fragment';
  if (url.protocol !== 'https:') return 'web clients must use https redirect URIs';
  if (url.username || url.password) return 'redirect URIs must not contain a user name or password';
  if (!sameSite(url.hostname, site)) return `must be on ${site} or a subdomain of it, like client_uri`;
  return undefined;
}

function nativeRedirectProblem(uri: string, site: string): string | undefined {
  const url = URL.parse(uri);
  if (!url) return 'not a valid URI';
  if (uri.includes('#')) return 'redirect URIs must not contain a fragment';
  if (url.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(url.hostname))
      return 'http redirect URIs are only allowed on localhost, 127.0.0.1 or [::1]';
    // RFC 8252 §7.3: registered without a port, accepted on any port when used.
    if (url.port !== '')
      return 'loopback redirect URIs are registered without a port (any port is accepted when used)';
    return undefined;
  }
  if (url.protocol === 'https:') {
    if (LOOPBACK_HOSTS.has(url.hostname)) return 'loopback redirect URIs must use http';
    return webRedirectProblem(uri, site);
  }
  // A private-use scheme: the client_uri host reversed (com.example.app for app.example.com), no authority.
  const scheme = url.protocol.slice(0, -1);
  if (!scheme.includes('.'))
    return 'private-use URI schemes must be reverse domain names, like com.example.app';
  if (uri.startsWith(`${scheme}://`))
    return `private-use redirect URIs have no authority: use ${scheme}:/path`;
  const domain = scheme.split('.').reverse().join('.');
  if (!sameSite(domain, site))
    return `the scheme must be ${site} (or a subdomain of it) in reverse, like ${site.split('.').reverse().join('.')}`;
  return undefined;
}
