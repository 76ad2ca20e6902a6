import { createHash } from 'node:crypto';
import { compileTemplate } from '../domain/claim-template.js';
import type { ConfigFileInput } from './schema.js';

/*
 * Synapse's OpenID Connect providers (`oidc_providers`, and the legacy single `oidc_config`) as mxauth
 * `upstream_oauth2.providers`. Pure: the Synapse configuration in, the providers and the notes for the
 * operator out. What cannot be carried over is said in a note naming the provider and the key, never
 * silently dropped; a provider that could not work is left out (with a note) rather than written broken,
 * so the generated file still passes `mxauth config check`.
 */

export type ProviderInput = NonNullable<NonNullable<ConfigFileInput['upstream_oauth2']>['providers']>[number];

export interface SynapseOidcTranslation {
  providers: ProviderInput[];
  notes: string[];
}

type Obj = Record<string, unknown>;

const JINJA_MODULES = new Set([
  'synapse.handlers.oidc.JinjaOidcMappingProvider',
  'synapse.handlers.oidc_handler.JinjaOidcMappingProvider',
]);

// Crockford's base32 (src/domain/ulid.ts).
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * A ULID that is the same every time for the same homeserver and provider, so generating again gives the
 * same file (and the same callback URL): 128 bits of a SHA-256, which is exactly what 26 base-32
 * characters with a first one in 0-7 hold.
 */
export function stableProviderId(serverName: string, synapseIdpId: string): string {
  const digest = createHash('sha256')
    .update(`mxauth upstream provider\0${serverName}\0${synapseIdpId}`)
    .digest();
  let v = 0n;
  for (const byte of digest.subarray(0, 16)) v = (v << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = ALPHABET[Number(v & 31n)] + out;
    v >>= 5n;
  }
  return out;
}

/** The `auth_provider` Synapse records in `user_external_ids` for this provider. */
export function synapseIdpIdOf(idpId: string): string {
  return idpId === 'oidc' ? 'oidc' : `oidc-${idpId}`;
}

export function translateSynapseOidc(config: Obj, serverName: string): SynapseOidcTranslation {
  const notes: string[] = [];
  const providers: ProviderInput[] = [];
  const seen = new Set<string>();
  // Synapse lists the legacy provider before the others; the same order keeps the same winner of a clash.
  const sources: { entry: Obj; synapseIdpId: string | undefined; label: string }[] = [];
  const legacy = config.oidc_config;
  if (isObj(legacy) && legacy.enabled === true)
    sources.push({ entry: legacy, synapseIdpId: 'oidc', label: 'oidc_config' });
  const list = Array.isArray(config.oidc_providers) ? config.oidc_providers : [];
  list.forEach((entry, i) => {
    if (!isObj(entry)) {
      notes.push(`oidc_providers[${i}]: not a mapping; skipped`);
      return;
    }
    const idpId = str(entry.idp_id);
    sources.push({
      entry,
      synapseIdpId: idpId === undefined ? undefined : synapseIdpIdOf(idpId),
      label: `oidc_providers[${i}] (idp_id ${idpId ?? 'missing'})`,
    });
  });
  for (const { entry, synapseIdpId, label } of sources) {
    const note = (key: string, text: string) => notes.push(`${label}: ${key}: ${text}`);
    if (synapseIdpId === undefined) {
      note('idp_id', 'is required by Synapse; provider skipped');
      continue;
    }
    if (seen.has(synapseIdpId)) {
      note('idp_id', `${synapseIdpId} is already used by another provider; this one is skipped`);
      continue;
    }
    const provider = translateProvider(entry, synapseIdpId, serverName, note);
    if (provider) {
      seen.add(synapseIdpId);
      providers.push(provider);
    }
  }
  return { providers, notes };
}

function translateProvider(
  e: Obj,
  synapseIdpId: string,
  serverName: string,
  note: (key: string, text: string) => void,
): ProviderInput | undefined {
  const issuer = str(e.issuer);
  const clientId = str(e.client_id);
  if (issuer === undefined || clientId === undefined) {
    note(issuer === undefined ? 'issuer' : 'client_id', 'is missing; provider skipped');
    return undefined;
  }
  const secret = str(e.client_secret);
  const secretFile = str(e.client_secret_path);
  const hasSecret = secret !== undefined || secretFile !== undefined;
  if (e.client_secret_jwt_key !== undefined) {
    // Synapse signs its own JWT as the client secret (Apple's scheme, with free-form header and payload);
    // mxauth's counterparts (sign_in_with_apple, private_key_jwt) have other keys, so it is not guessed.
    if (!hasSecret) {
      note(
        'client_secret_jwt_key',
        'has no mxauth equivalent; provider skipped (write it by hand, e.g. with token_endpoint_auth_method: sign_in_with_apple)',
      );
      return undefined;
    }
    note('client_secret_jwt_key', 'has no mxauth equivalent; ignored, the client secret is used');
  }
  const scopes = Array.isArray(e.scopes) ? e.scopes.filter((s): s is string => typeof s === 'string') : [];
  const scope = scopes.length > 0 ? scopes.join(' ') : 'openid';
  const hasOpenid = scope.split(' ').includes('openid');

  const method = str(e.client_auth_method) ?? (hasSecret ? 'client_secret_basic' : 'none');
  const p: ProviderInput & Obj = {
    id: stableProviderId(serverName, synapseIdpId),
    synapse_idp_id: synapseIdpId,
    issuer,
    ...(str(e.idp_name) ? { human_name: str(e.idp_name) } : {}),
    ...(str(e.idp_brand) ? { brand_name: str(e.idp_brand) } : {}),
    ...(str(e.idp_icon) ? { icon: str(e.idp_icon) } : {}),
    client_id: clientId,
    // A method without a secret cannot carry one: mxauth refuses the pair, as Synapse forces `none`.
    ...(method === 'none' ? {} : secret !== undefined ? { client_secret: secret } : {}),
    ...(method === 'none' ? {} : secretFile !== undefined ? { client_secret_file: secretFile } : {}),
    token_endpoint_auth_method: method as ProviderInput['token_endpoint_auth_method'],
  };
  if (secret !== undefined && secretFile !== undefined)
    note(
      'client_secret_path',
      'Synapse refuses both client_secret and client_secret_path; check which is right',
    );

  const algs = Array.isArray(e.id_token_signing_alg_values_supported)
    ? e.id_token_signing_alg_values_supported.filter((a): a is string => typeof a === 'string')
    : [];
  p.id_token_signed_response_alg = algs[0] ?? 'RS256';
  if (algs.length > 1)
    note('id_token_signing_alg_values_supported', `mxauth expects one algorithm; ${algs[0]} is used`);
  p.scope = scope;

  const discover = e.discover !== false;
  p.discovery_mode = !discover ? 'disabled' : e.skip_verification === true ? 'insecure' : 'oidc';
  for (const key of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri'] as const) {
    const value = str(e[key]);
    if (value !== undefined) p[key] = value;
  }
  if (typeof e.pkce_method === 'string') p.pkce_method = e.pkce_method as ProviderInput['pkce_method'];
  // Synapse's `auto` reads userinfo only when it gets no ID token, that is without the openid scope.
  p.fetch_userinfo = e.user_profile_method === 'userinfo_endpoint' || !hasOpenid;

  const params = isObj(e.additional_authorization_parameters) ? e.additional_authorization_parameters : {};
  const additional: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    const text = String(value);
    if (name === 'response_mode' && (text === 'query' || text === 'form_post')) {
      p.response_mode = text;
      continue;
    }
    const literal = literalTemplate(text);
    if (literal === undefined)
      note(`additional_authorization_parameters.${name}`, 'cannot be written as an mxauth template; dropped');
    else additional[name] = literal;
  }
  if (Object.keys(additional).length > 0) p.additional_authorization_parameters = additional;
  if (Array.isArray(e.passthrough_authorization_parameters) && e.passthrough_authorization_parameters.length)
    note(
      'passthrough_authorization_parameters',
      'not carried over; mxauth writes them as additional_authorization_parameters templates over `params`',
    );

  p.on_backchannel_logout = e.backchannel_logout_enabled === true ? 'logout_all' : 'do_nothing';
  if (e.backchannel_logout_ignore_sub === true)
    note('backchannel_logout_ignore_sub', 'mxauth matches the sub claim whenever the token has one');

  const requirements = translateRequirements(e.attribute_requirements, note);
  if (requirements.length > 0) p.attribute_requirements = requirements;

  p.claims_imports = translateMapping(e, note);

  if (e.enable_registration === false)
    note(
      'enable_registration',
      'false has no per-provider switch in mxauth; new accounts through this provider are possible (attribute_requirements can restrict who signs in)',
    );
  if (str(e.redirect_uri) !== undefined)
    note(
      'redirect_uri',
      `mxauth's callback is <public_base>upstream/callback/${p.id}; register it at the provider (or keep routing /_synapse/client/oidc/callback to mxauth)`,
    );
  return p;
}

/** Synapse's parameters are plain text, mxauth's are templates: text that looks like Jinja is quoted. */
function literalTemplate(text: string): string | undefined {
  if (!/[{][{%#]/.test(text)) return text;
  const quoted = `{{ ${JSON.stringify(text)} }}`;
  const compiled = compileTemplate(quoted);
  const rendered = compiled.ok ? compiled.value.render({}) : undefined;
  return rendered?.ok && rendered.value === text ? quoted : undefined;
}

function translateRequirements(
  value: unknown,
  note: (key: string, text: string) => void,
): NonNullable<ProviderInput['attribute_requirements']> {
  if (!Array.isArray(value)) return [];
  return value.flatMap((r, i) => {
    const attribute = isObj(r) ? str(r.attribute) : undefined;
    if (!isObj(r) || attribute === undefined) {
      note(`attribute_requirements[${i}]`, 'has no attribute; dropped');
      return [];
    }
    // Synapse's attribute is a claim name; mxauth reads a dot as a path into objects.
    if (attribute.includes('.'))
      note(`attribute_requirements[${i}]`, `mxauth reads "${attribute}" as a path into nested claims`);
    const oneOf = Array.isArray(r.one_of) ? r.one_of.map(String) : undefined;
    if (r.value !== undefined && r.value !== null) return [{ attribute, value: String(r.value) }];
    if (oneOf && oneOf.length > 0) return [{ attribute, one_of: oneOf }];
    return [{ attribute }];
  });
}

type ClaimsImports = NonNullable<ProviderInput['claims_imports']>;

function translateMapping(e: Obj, note: (key: string, text: string) => void): ClaimsImports {
  const ump = isObj(e.user_mapping_provider) ? e.user_mapping_provider : {};
  const module = str(ump.module);
  // Synapse with no localpart template asks the person to choose a username.
  const askForName: ClaimsImports = { localpart: { action: 'suggest' } };
  if (module !== undefined && !JINJA_MODULES.has(module)) {
    note(
      'user_mapping_provider.module',
      `${module} is not Synapse's Jinja mapper; mxauth's default claims are used`,
    );
    return askForName;
  }
  const c = isObj(ump.config) ? ump.config : {};
  const confirm = c.confirm_localpart === true;
  const template = (key: string): string | undefined => {
    const source = str(c[key]);
    return source === undefined
      ? undefined
      : carryTemplate(source, `user_mapping_provider.config.${key}`, note);
  };
  const imports: ClaimsImports = {};

  const subjectClaim = str(c.subject_claim);
  const subject = template('subject_template') ?? (subjectClaim ? `{{ user.${subjectClaim} }}` : undefined);
  if (subject !== undefined) imports.subject = { template: subject };

  const localpart = template('localpart_template');
  const localpartAction = localpart !== undefined && !confirm ? 'require' : 'suggest';
  imports.localpart = {
    action: localpartAction,
    ...(localpart !== undefined ? { template: localpart } : {}),
  };
  if (e.allow_existing_users === true) {
    // mxauth links to an existing account only for an imported, not chosen, localpart.
    if (localpartAction === 'require') imports.localpart.on_conflict = 'add';
    else
      note(
        'allow_existing_users',
        'needs a localpart_template without confirm_localpart in mxauth (localpart.action require, on_conflict add); not carried over',
      );
  }
  const displayname = template('display_name_template');
  if (displayname !== undefined)
    imports.displayname = { action: confirm ? 'suggest' : 'force', template: displayname };
  const email = template('email_template');
  if (email !== undefined) imports.email = { action: confirm ? 'suggest' : 'force', template: email };

  for (const key of ['picture_template', 'picture_claim', 'extra_attributes'])
    if (c[key] !== undefined)
      note(`user_mapping_provider.config.${key}`, 'has no mxauth equivalent; ignored');
  return imports;
}

/**
 * A Synapse template as an mxauth one. Both are Jinja over `user`; Synapse's `localpart_from_email` filter
 * becomes `split('@') | first`, kept only when it renders as Synapse's does. A template mxauth cannot
 * compile or render is dropped (mxauth's default applies) rather than written into a file it would refuse.
 */
function carryTemplate(
  source: string,
  key: string,
  note: (key: string, text: string) => void,
): string | undefined {
  const rewritten = source.replace(/\|\s*localpart_from_email\b(\s*\(\s*\))?/g, "| split('@') | first");
  const compiled = compileTemplate(rewritten);
  if (!compiled.ok) {
    note(key, `mxauth cannot read this template (${compiled.error}); dropped`);
    return undefined;
  }
  if (rewritten !== source) {
    const sample = {
      sub: 'abc',
      email: 'jo.doe@example.com',
      preferred_username: 'jo.doe@example.com',
      name: 'Jo Doe',
      nickname: 'jo',
    };
    const rendered = compiled.value.render({
      user: sample,
      id_token_claims: sample,
      userinfo_claims: sample,
    });
    if (!rendered.ok) {
      note(key, `localpart_from_email has no mxauth equivalent here (${rendered.error}); dropped`);
      return undefined;
    }
    note(key, "localpart_from_email is written as split('@') | first");
  }
  return rewritten;
}
