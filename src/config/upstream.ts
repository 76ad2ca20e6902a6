import { readFileSync } from 'node:fs';
import { compileTemplate } from '../domain/claim-template.js';
import { ioReason } from './read.js';
import type { Resolution } from './resolution.js';
import type { ConfigFile } from './schema.js';
import { PRESETS_BY_NAME } from './upstream-presets.js';
import type { ImportAction, RequirementFile, UpstreamProviderFile } from './upstream-schema.js';

/** A claim check: the claim at `path` equals, contains, or matches what is asked. */
export interface ClaimRequirement {
  path: string[];
  test: { kind: 'present' } | { kind: 'one_of'; values: string[] } | { kind: 'matches'; pattern: RegExp };
  /** As written, for the refusal page and the logs. */
  source: string;
}

export interface ImportRule {
  action: ImportAction;
  template: string;
}

/** One upstream OpenID Connect / OAuth 2.0 provider, as the code uses it: preset applied, secrets read. */
export interface UpstreamProvider {
  kind: 'oidc';
  id: string;
  enabled: boolean;
  synapseIdpId: string | undefined;
  /** Undefined only with discovery disabled. */
  issuer: string | undefined;
  humanName: string;
  brandName: string | undefined;
  icon: string | undefined;
  clientId: string;
  clientSecret: string | undefined;
  tokenEndpointAuthMethod:
    | 'none'
    | 'client_secret_basic'
    | 'client_secret_post'
    | 'client_secret_jwt'
    | 'private_key_jwt'
    | 'sign_in_with_apple';
  tokenEndpointAuthSigningAlg: string | undefined;
  signInWithApple: { privateKey: string; teamId: string; keyId: string } | undefined;
  idTokenSignedResponseAlg: string;
  scope: string;
  discoveryMode: 'oidc' | 'insecure' | 'disabled';
  pkceMethod: 'auto' | 'always' | 'never';
  fetchUserinfo: boolean;
  userinfoSignedResponseAlg: string | undefined;
  endpoints: {
    authorization: string | undefined;
    token: string | undefined;
    jwks: string | undefined;
    userinfo: string | undefined;
    endSession: string | undefined;
  };
  responseMode: 'query' | 'form_post';
  /** Templates over `params` and `logged_out`, `login_hint` added for forward_login_hint. */
  additionalAuthorizationParameters: Record<string, string>;
  onBackchannelLogout: 'do_nothing' | 'logout_browser_only' | 'logout_all';
  registrationTokenRequired: boolean;
  claims: {
    subject: string;
    skipConfirmation: boolean;
    localpart: ImportRule & { onConflict: 'fail' | 'add' | 'replace' | 'set' };
    displayname: ImportRule;
    email: ImportRule;
    accountName: string | undefined;
  };
  requirements: ClaimRequirement[];
  /** Undefined: admin is not decided by this provider. */
  adminRequirements: ClaimRequirement[] | undefined;
  signOutUpstream: boolean;
}

const DEFAULT_TEMPLATES = {
  subject: '{{ user.sub }}',
  localpart: '{{ user.preferred_username }}',
  displayname: '{{ user.name }}',
  email: '{{ user.email }}',
} as const;

export function upstreamProviders(file: ConfigFile, r: Resolution): UpstreamProvider[] {
  const seenIds = new Set<string>();
  const seenIdp = new Set<string>();
  return file.upstream_oauth2.providers.flatMap((given, i) => {
    const where = `upstream_oauth2.providers[${i}]`;
    const at = (key: string) => r.at(`${where}.${key}`);
    if (seenIds.has(given.id)) at('id')(`${given.id} is used by another provider`);
    seenIds.add(given.id);
    if (given.synapse_idp_id !== undefined) {
      if (seenIdp.has(given.synapse_idp_id))
        at('synapse_idp_id')(`${given.synapse_idp_id} is used by another provider`);
      seenIdp.add(given.synapse_idp_id);
    }
    const provider = resolveProvider(given, where, r);
    return provider ? [provider] : [];
  });
}

function resolveProvider(
  given: UpstreamProviderFile,
  where: string,
  r: Resolution,
): UpstreamProvider | undefined {
  const at = (key: string) => r.at(`${where}.${key}`);
  const preset = given.preset ? PRESETS_BY_NAME[given.preset] : {};
  const before = r.problems.length;
  for (const key of preset.needs ?? []) {
    if (given[key] === undefined) at(key)(`is required with preset ${given.preset}`);
  }
  // A preset's value fills a key the file leaves out; every key the file writes wins, so the keys a
  // preset sets have no schema default (that would hide whether the file wrote them).
  const pick = <K extends keyof UpstreamProviderFile>(key: K): UpstreamProviderFile[K] =>
    (given[key] ?? preset[key as keyof typeof preset]) as UpstreamProviderFile[K];
  const discoveryMode = pick('discovery_mode') ?? 'oidc';
  const issuer = pick('issuer');
  const endpoints = {
    authorization: pick('authorization_endpoint'),
    token: pick('token_endpoint'),
    jwks: pick('jwks_uri'),
    userinfo: pick('userinfo_endpoint'),
    endSession: given.end_session_endpoint,
  };
  if (discoveryMode !== 'disabled' && issuer === undefined)
    at('issuer')('is required unless discovery_mode is disabled');
  if (discoveryMode === 'disabled') {
    if (!endpoints.authorization) at('authorization_endpoint')('is required with discovery_mode: disabled');
    if (!endpoints.token) at('token_endpoint')('is required with discovery_mode: disabled');
  }
  const clientSecret = r.secret(given, 'client_secret', where, false);
  const method =
    pick('token_endpoint_auth_method') ?? (clientSecret !== undefined ? 'client_secret_basic' : 'none');
  if (
    (method === 'client_secret_basic' || method === 'client_secret_post' || method === 'client_secret_jwt') &&
    clientSecret === undefined &&
    !given.client_secret_file
  )
    at('client_secret')(`is required with token_endpoint_auth_method: ${method}`);
  const needsAlg = method === 'client_secret_jwt' || method === 'private_key_jwt';
  if (needsAlg && !given.token_endpoint_auth_signing_alg)
    at('token_endpoint_auth_signing_alg')(`is required with token_endpoint_auth_method: ${method}`);
  if (!needsAlg && given.token_endpoint_auth_signing_alg)
    at('token_endpoint_auth_signing_alg')(
      `is only used with client_secret_jwt and private_key_jwt, not ${method}`,
    );
  if (
    (method === 'none' || method === 'private_key_jwt' || method === 'sign_in_with_apple') &&
    clientSecret !== undefined
  )
    at('client_secret')(`is not used with token_endpoint_auth_method: ${method}`);
  const apple = given.sign_in_with_apple;
  if (apple && method !== 'sign_in_with_apple')
    at('sign_in_with_apple')('is only used with token_endpoint_auth_method: sign_in_with_apple');
  let signInWithApple: UpstreamProvider['signInWithApple'];
  if (method === 'sign_in_with_apple') {
    if (!apple) at('sign_in_with_apple')('is required with token_endpoint_auth_method: sign_in_with_apple');
    else {
      const privateKey = applePrivateKey(apple, r, `${where}.sign_in_with_apple`);
      if (privateKey) signInWithApple = { privateKey, teamId: apple.team_id, keyId: apple.key_id };
    }
  }
  const requirements = compileRequirements(
    given.attribute_requirements,
    `${where}.attribute_requirements`,
    r,
  );
  const adminRequirements = given.admin_requirements
    ? compileRequirements(given.admin_requirements, `${where}.admin_requirements`, r)
    : undefined;
  const imports = given.claims_imports;
  const presetImports = preset.claims_imports ?? {};
  const rule = (key: 'localpart' | 'displayname' | 'email'): ImportRule => ({
    action: imports[key].action ?? presetImports[key]?.action ?? 'ignore',
    template: imports[key].template ?? presetImports[key]?.template ?? DEFAULT_TEMPLATES[key],
  });
  const localpart = rule('localpart');
  const displayname = rule('displayname');
  const email = rule('email');
  const subject = imports.subject.template ?? presetImports.subject ?? DEFAULT_TEMPLATES.subject;
  const accountName = imports.account_name.template ?? presetImports.account_name;
  const onConflict = imports.localpart.on_conflict;
  const imported = localpart.action === 'force' || localpart.action === 'require';
  if (onConflict !== 'fail' && !imported)
    at('claims_imports.localpart.on_conflict')(`${onConflict} needs localpart.action force or require`);
  if (imports.skip_confirmation) {
    if (localpart.action !== 'require')
      at('claims_imports.skip_confirmation')('needs claims_imports.localpart.action: require');
    if (displayname.action === 'suggest' || email.action === 'suggest')
      at('claims_imports.skip_confirmation')(
        'cannot skip the page that offers suggested values: no displayname or email action suggest',
      );
  }
  const templates: [string, string | undefined][] = [
    ['subject.template', subject],
    ['localpart.template', localpart.template],
    ['displayname.template', displayname.template],
    ['email.template', email.template],
    ['account_name.template', accountName],
  ];
  for (const [key, source] of templates) {
    const compiled = source === undefined ? undefined : compileTemplate(source);
    if (compiled && !compiled.ok) at(`claims_imports.${key}`)(compiled.error);
  }
  for (const [name, source] of Object.entries(given.additional_authorization_parameters)) {
    const compiled = compileTemplate(source);
    if (!compiled.ok) at(`additional_authorization_parameters.${name}`)(compiled.error);
  }
  if (r.problems.length > before) return undefined;

  const responseMode = pick('response_mode') ?? 'query';
  return {
    kind: 'oidc',
    id: given.id,
    enabled: given.enabled,
    synapseIdpId: given.synapse_idp_id,
    issuer,
    humanName: pick('human_name') ?? hostOf(issuer ?? endpoints.authorization) ?? given.id,
    brandName: pick('brand_name'),
    icon: given.icon,
    clientId: given.client_id,
    clientSecret,
    tokenEndpointAuthMethod: method,
    tokenEndpointAuthSigningAlg: given.token_endpoint_auth_signing_alg,
    signInWithApple,
    idTokenSignedResponseAlg: given.id_token_signed_response_alg,
    scope: pick('scope') ?? 'openid',
    discoveryMode,
    pkceMethod: given.pkce_method,
    fetchUserinfo: pick('fetch_userinfo') ?? false,
    userinfoSignedResponseAlg: given.userinfo_signed_response_alg,
    endpoints,
    responseMode,
    // As MAS: forward_login_hint is a login_hint parameter the file did not write itself.
    additionalAuthorizationParameters:
      given.forward_login_hint && !('login_hint' in given.additional_authorization_parameters)
        ? { ...given.additional_authorization_parameters, login_hint: '{{ params.login_hint }}' }
        : given.additional_authorization_parameters,
    onBackchannelLogout: given.on_backchannel_logout,
    registrationTokenRequired: given.registration_token_required,
    claims: {
      subject,
      skipConfirmation: imports.skip_confirmation,
      localpart: { ...localpart, onConflict },
      displayname,
      email,
      accountName,
    },
    requirements,
    adminRequirements,
    signOutUpstream: given.sign_out_upstream,
  };
}

function applePrivateKey(
  apple: NonNullable<UpstreamProviderFile['sign_in_with_apple']>,
  r: Resolution,
  where: string,
): string | undefined {
  if (apple.private_key !== undefined && apple.private_key_file !== undefined) {
    r.at(`${where}.private_key`)('set either private_key or private_key_file, not both');
    return undefined;
  }
  if (apple.private_key !== undefined) return apple.private_key;
  if (apple.private_key_file === undefined) {
    r.at(`${where}.private_key`)('is required (or private_key_file)');
    return undefined;
  }
  try {
    return readFileSync(r.path(apple.private_key_file), 'utf8');
  } catch (e) {
    r.at(`${where}.private_key_file`)(`cannot read ${apple.private_key_file}: ${ioReason(e)}`);
    return undefined;
  }
}

function compileRequirements(list: RequirementFile[], where: string, r: Resolution): ClaimRequirement[] {
  return list.flatMap((req, i): ClaimRequirement[] => {
    const path = req.attribute.split('.');
    const source = JSON.stringify(req);
    if (req.matches !== undefined) {
      try {
        return [
          {
            path,
            source,
            test: { kind: 'matches' as const, pattern: new RegExp(`^(?:${req.matches})$`, 'u') },
          },
        ];
      } catch (e) {
        r.at(`${where}[${i}].matches`)(`is not a regular expression: ${(e as Error).message}`);
        return [];
      }
    }
    const values = req.one_of ?? (req.value !== undefined ? [req.value] : undefined);
    return [
      { path, source, test: values ? { kind: 'one_of' as const, values } : { kind: 'present' as const } },
    ];
  });
}

function hostOf(uri: string | undefined): string | undefined {
  return uri ? (URL.parse(uri)?.host ?? undefined) : undefined;
}
