/*
 * The oidc-provider engine, configured for Matrix. This is the one module that knows the engine's
 * configuration and internals; the rest of mxauth talks to the `OAuthEngine` it returns.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import Provider, {
  type Configuration,
  errors,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { Config } from '../config/config.js';
import { deriveKey, KEY_LABELS } from '../config/derived-keys.js';
import type { Clock } from '../domain/clock.js';
import { describeScopeProblem, parseMatrixScope } from '../domain/matrix-scopes.js';
import type { ulidGenerator } from '../domain/ulid.js';
import { userStatus } from '../domain/user.js';
import { cookieName } from '../http/cookie-names.js';
import { contextGate } from '../observability/context-gate.js';
import type { Logger } from '../observability/logger.js';
import { contactClaims } from '../services/account-settings.js';
import type { SecretBox } from '../services/secret-box.js';
import type { Storage } from '../storage/storage.js';
import { adapterFactory } from './adapter.js';
import type { EnginePages } from './engine-pages.js';
import { logoutConfirmation } from './logout-confirmation.js';
import { matrixResourceScope } from './matrix-resource.js';
import type { RefreshTurns } from './refresh-turns.js';

// oidc-provider has no "exports" map, so its modules can be imported by path: this one is the single
// AsyncLocalStorage its router enters around each request (lib/helpers/initialize_app.js) and
// `Provider.ctx` reads. Switched off while no Koa request runs (observability/context-gate.ts). Named
// through a variable because the package declares no types for it.
const ENGINE_CONTEXT = 'oidc-provider/lib/helpers/als.js';
contextGate.add(((await import(ENGINE_CONTEXT)) as { default: AsyncLocalStorage<unknown> }).default);

// The engine's internal state per provider (lib/helpers/weak_cache.js). Read once, for its response
// modes: `registerResponseMode` keeps a mode that is already there, and the engine registers its own
// form_post page (English, unbranded) while it is constructed.
const ENGINE_STATE = 'oidc-provider/lib/helpers/weak_cache.js';
type ResponseModeHandler = (
  ctx: KoaContextWithOIDC,
  redirectUri: string,
  payload: Record<string, string>,
) => unknown;
const engineState = (
  (await import(ENGINE_STATE)) as {
    default: (engine: Provider) => { responseModes: Map<string, ResponseModeHandler> };
  }
).default;

export type OAuthEngine = Provider;
export type OAuthContext = KoaContextWithOIDC;

export const ROUTES = {
  authorization: '/authorize',
  token: '/oauth2/token',
  userinfo: '/oauth2/userinfo',
  jwks: '/oauth2/keys.json',
  registration: '/oauth2/registration',
  revocation: '/oauth2/revoke',
  introspection: '/oauth2/introspect',
  end_session: '/oauth2/logout',
  device_authorization: '/oauth2/device',
  code_verification: '/link',
  pushed_authorization_request: '/oauth2/par',
} as const;

/** MSC4191 actions the account page handles (with the older session_* names clients still send). */
export const ACCOUNT_ACTIONS = [
  'org.matrix.profile',
  'org.matrix.devices_list',
  'org.matrix.device_view',
  'org.matrix.device_delete',
  'org.matrix.sessions_list',
  'org.matrix.session_view',
  'org.matrix.session_end',
  'org.matrix.cross_signing_reset',
];

/** mxauth's own client, with which the account page signs people in. */
export const ACCOUNT_CLIENT_ID = 'mxauth-account';

export interface EngineDependencies {
  config: Config;
  storage: Storage;
  clock: Clock;
  box: SecretBox;
  logger: Logger;
  newId: ReturnType<typeof ulidGenerator>;
  pages: EnginePages;
  /** Concurrent refreshes of one token (refresh-turns.ts); its middleware is installed by the hooks. */
  refreshTurns: RefreshTurns;
  /** Replaces the engine's outgoing HTTP client (see MxauthOptions.outboundFetch); unset in production. */
  fetch?: NonNullable<Configuration['fetch']>;
}

/** The resource indicator standing for the homeserver: access tokens are issued for it. */
export const homeserverResource = (config: Config): string => config.matrix.endpoint.href;

export function createEngine(deps: EngineDependencies): OAuthEngine {
  const { config, storage } = deps;
  const resource = homeserverResource(config);
  const base = config.http.publicBase.href;
  // Everything mxauth prints lies under public_base's path ('/' or e.g. '/auth/'); see engineHandoff.
  const root = config.http.publicBase.pathname;
  const secure = config.http.publicBase.protocol === 'https:';

  const policy = interactionPolicy.base();
  const promptValues = ['none', 'login', 'consent'];
  if (config.account.password_registration_enabled) {
    policy.add(new interactionPolicy.Prompt({ name: 'create', requestable: true }), 0);
    promptValues.push('create');
  }

  const configuration: Configuration = {
    clients: [
      {
        client_id: ACCOUNT_CLIENT_ID,
        client_name: 'Account',
        token_endpoint_auth_method: 'none',
        redirect_uris: [new URL('account/callback', base).href],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      ...config.clients.map((client) => ({
        client_id: client.clientId,
        ...(client.secret !== undefined ? { client_secret: client.secret } : {}),
        ...(client.name ? { client_name: client.name } : {}),
        token_endpoint_auth_method: client.authMethod,
        redirect_uris: client.redirectUris,
        grant_types: client.grantTypes,
        response_types: client.grantTypes.includes('authorization_code') ? (['code'] as const) : [],
      })),
    ],
    adapter: adapterFactory(
      storage.oauthRecords,
      deps.clock,
      deps.box,
      () => (Provider.ctx as KoaContextWithOIDC | undefined)?.oidc?.entities?.RotatedRefreshToken?.jti,
      deps.refreshTurns,
    ),
    findAccount: async (_ctx, sub) => {
      const user = await storage.users.findById(sub);
      if (!user || userStatus(user) !== 'active') return undefined;
      return {
        accountId: user.id,
        claims: async (_use, scope) => ({
          sub: user.id,
          ...(await contactClaims(storage, user.id, new Set(scope.split(' ')))),
        }),
      };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      phone: ['phone_number', 'phone_number_verified'],
    },
    scopes: ['openid', 'email', 'phone', 'offline_access'],
    // The granted contact claims go into the ID token too, not only to userinfo: Matrix clients read
    // the ID token, and most never call userinfo.
    conformIdTokenClaims: false,
    interactions: { url: (_ctx, interaction) => `${root}interaction/${interaction.uid}`, policy },
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken: false, idFactory: () => deps.newId() },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator, client) => {
          if (indicator !== resource) throw new errors.InvalidTarget();
          // mxauth's own account page signs people in to mxauth, never to their Matrix account.
          if (client.clientId === ACCOUNT_CLIENT_ID) return { scope: '', accessTokenFormat: 'opaque' };
          // A client acting for itself gets no access to anyone's Matrix account.
          if (ctx.oidc.params?.grant_type === 'client_credentials')
            return { scope: '', accessTokenFormat: 'opaque' };
          const { params, entities } = ctx.oidc;
          const seen = [
            params?.scope,
            entities.AuthorizationCode?.scope,
            entities.RefreshToken?.scope,
            entities.DeviceCode?.scope,
          ]
            .filter((s): s is string => typeof s === 'string')
            .join(' ');
          if (typeof params?.scope === 'string') {
            const parsed = parseMatrixScope(params.scope);
            if (!parsed.ok) throw new errors.InvalidScope(describeScopeProblem(parsed.error), params.scope);
          }
          return {
            scope: matrixResourceScope(seen),
            accessTokenFormat: 'opaque',
            accessTokenTTL: config.tokens.accessTokenTtl,
          };
        },
      },
      introspection: { enabled: false },
      // RFC 7009 §2.1: the server checks that the token was issued to the client asking, and refuses the
      // request with an error otherwise (§2.2.1: an RFC 6749 §5.2 error; `unauthorized_client` is the one
      // that says "not this client's to do"). For a public client this stops a confused or hostile app from
      // ending other apps' sessions by id; anyone holding the token can still claim its client_id.
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId !== client.clientId)
            throw new errors.UnauthorizedClient('the token was not issued to this client');
          return true;
        },
      },
      // Served by mxauth (userinfo.ts): the engine refuses tokens issued for a resource server.
      userinfo: { enabled: false },
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        userCodeInputSource: deps.pages.userCodeInput,
        userCodeConfirmSource: deps.pages.userCodeConfirm,
        successSource: deps.pages.deviceSuccess,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: deps.pages.logout,
        postLogoutSuccessSource: deps.pages.logoutSuccess,
      },
      backchannelLogout: { enabled: true },
      clientCredentials: { enabled: true },
    },
    // Matrix clients never ask for offline_access; every client allowed the grant gets refresh tokens.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // Revoking either token of a device ends the device: its grant goes too (the engine keeps it when an
    // access token is revoked, and then never reports the revocation).
    revokeGrantPolicy: async () => true,
    // A Matrix device outlives the browser session that signed it in.
    expiresWithSession: async () => false,
    // One grant per device: never reuse another device's grant for a new authorization.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    ttl: {
      AccessToken: config.tokens.accessTokenTtl,
      ClientCredentials: config.tokens.accessTokenTtl,
      AuthorizationCode: 60,
      DeviceCode: 600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: config.tokens.refreshTokenTtl,
      // The grant caps every token of a device; it lives as long as refresh tokens are used.
      Grant: config.tokens.refreshTokenTtl * 10,
      Session: config.tokens.browserSessionTtl,
    },
    cookies: {
      keys: [deriveKey(config, KEY_LABELS.engineCookies).toString('base64url')],
      // The browser session is scoped to public_base's path. The short-lived cookies get their own paths
      // (the interaction and resume URLs), which a path here would override.
      long: { httpOnly: true, sameSite: 'lax', path: root },
      short: { httpOnly: true, sameSite: 'lax' },
      // Prefixed under https (http/cookie-names.ts): the session is the host's (`__Host-` at the root path);
      // the others live at the interaction's and authorization's paths, so `__Secure-` at most.
      names: {
        session: cookieName('mxauth-session', secure, root),
        interaction: cookieName('mxauth-interaction', secure, '/interaction/'),
        resume: cookieName('mxauth-resume', secure, '/authorize/'),
      },
    },
    jwks: {
      keys: config.secrets.keys.map((key) => ({
        ...(key.privateKey.export({ format: 'jwk' }) as Record<string, unknown>),
        kid: key.kid,
        alg: key.alg,
        use: 'sig',
      })) as NonNullable<Configuration['jwks']>['keys'],
    },
    discovery: {
      prompt_values_supported: promptValues,
      account_management_uri: `${base}account/`,
      // Deactivation is offered only where the account pages serve it.
      account_management_actions_supported: config.account.account_deactivation_allowed
        ? [...ACCOUNT_ACTIONS, 'org.matrix.account_deactivate']
        : ACCOUNT_ACTIONS,
      introspection_endpoint: new URL(ROUTES.introspection.slice(1), base).href,
      userinfo_endpoint: new URL(ROUTES.userinfo.slice(1), base).href,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      // MSC4198: `login_hint=mxid:@user:server` prefills the sign-in form (web/interaction/login.ts).
      login_hint_types_supported: ['mxid'],
      ...(config.branding.policy_uri ? { op_policy_uri: config.branding.policy_uri } : {}),
      ...(config.branding.tos_uri ? { op_tos_uri: config.branding.tos_uri } : {}),
    },
    routes: ROUTES,
    renderError: deps.pages.error,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  };

  const engine = new Provider(config.http.issuer, configuration);
  engine.proxy = true;
  engine.use(logoutConfirmation(deps.pages) as never);
  engineState(engine).responseModes.set('form_post', deps.pages.formPost);
  return engine;
}
