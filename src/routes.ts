import type { Middleware } from 'koa';
import type { CompatLoginHandlers } from './compat/login.js';
import type { SsoRedirectHandlers } from './compat/sso-redirect.js';
import type { ResourceName } from './config/schema.js';
import type { FastPathHandle } from './http/app.js';
import type { MatrixDiscoveryHandlers } from './oauth/matrix-discovery.js';
import type { UserinfoHandlers } from './oauth/userinfo.js';
import type { UpstreamHandlers } from './upstream/http.js';
import type { AccountHandlers } from './web/account.js';
import type { AssetHandlers } from './web/assets.js';
import type { HomeHandlers } from './web/home.js';
import type { InteractionHandlers } from './web/interaction/index.js';
import type { LiveCheckHandlers } from './web/live-checks.js';
import type { RecoveryHandlers } from './web/recovery.js';

/** The OAuth engine serves the row (see `engineHandoff` in surfaces.ts and oauth/engine-routes.ts). */
export interface EngineHandler {
  kind: 'engine';
}
export const ENGINE: EngineHandler = { kind: 'engine' };

/** A plain Node handler answering before Koa, for the hot path (see `FastPath` in http/app.ts). */
export interface FastPathHandler {
  kind: 'fast';
  /** Successful answers are logged at debug (see `FastPath.quietWhenOk`). */
  quietWhenOk?: boolean;
  handle: FastPathHandle;
}

export type RouteHandler = Middleware | EngineHandler | FastPathHandler;

/** One endpoint: its methods at one path (a koa-router template), the listener resource serving it. */
export interface Route {
  methods: readonly string[];
  path: string;
  resource: ResourceName;
  handler: RouteHandler;
}

/** A row of the literal table; no handler means the feature is off by configuration (not found). */
interface Row extends Omit<Route, 'handler'> {
  handler: RouteHandler | undefined;
}

/** The handlers of every route the services serve, built by surfaces.ts. */
export interface Handlers {
  compatLogin: CompatLoginHandlers;
  ssoRedirect: SsoRedirectHandlers;
  userinfo: UserinfoHandlers;
  discovery: MatrixDiscoveryHandlers;
  liveChecks: LiveCheckHandlers;
  recovery: RecoveryHandlers;
  account: AccountHandlers;
  assets: AssetHandlers;
  home: HomeHandlers;
  introspection: FastPathHandler;
  interaction: InteractionHandlers;
  /** Undefined when no upstream provider is enabled. */
  upstream: UpstreamHandlers | undefined;
}

/** The handlers of the routes served from the start, before the services exist. */
export interface AlwaysOnHandlers {
  health: Middleware;
  metrics: Middleware;
}

/** The engine's GET routes answer HEAD as its router does; koa-router adds HEAD to GET by itself. */
const GET = ['GET', 'HEAD'];

/**
 * Routes answered before the services start (http/app.ts mounts them first on every listener): a load
 * balancer asks for health from the first second, and a starting server has metrics too.
 */
export function alwaysOnRoutes(h: AlwaysOnHandlers): readonly Route[] {
  return [
    { methods: ['GET'], path: '/health', resource: 'health', handler: h.health },
    { methods: ['GET'], path: '/metrics', resource: 'prometheus', handler: h.metrics },
  ];
}

/**
 * Every other route mxauth serves, relative to public_base's path, in match order. Middleware rows
 * are matched in this order, fixed segments before `:id` where both
 * could match; the fast path is answered before all of them (http/app.ts), and the engine's rows after
 * all of them, only in their exact spelling (oauth/engine-routes.ts), so where those two stand does not
 * change what answers. The engine's rows are those oidc-provider registers for the features provider.ts
 * enables (node_modules/oidc-provider/lib/helpers/initialize_app.js); userinfo and introspection are
 * mxauth's own, as are the interaction pages.
 */
export function routeTable(h: Handlers): readonly Route[] {
  const { account: a, compatLogin: c, interaction: i, upstream: u } = h;
  // biome-ignore format: one row per line, so that the table reads as one
  const rows: Row[] = [
    // The Matrix login API for clients that do not speak OAuth (compat/).
    { methods: ['GET'], path: '/_matrix/client/v3/login', resource: 'compat', handler: c.flows },
    { methods: ['POST'], path: '/_matrix/client/v3/login', resource: 'compat', handler: c.login },
    { methods: ['POST'], path: '/_matrix/client/v3/logout', resource: 'compat', handler: c.logout },
    { methods: ['POST'], path: '/_matrix/client/v3/logout/all', resource: 'compat', handler: c.logoutAll },
    { methods: ['POST'], path: '/_matrix/client/v3/refresh', resource: 'compat', handler: c.refresh },
    { methods: ['OPTIONS'], path: '/_matrix/client/v3/login', resource: 'compat', handler: c.preflight },
    { methods: ['OPTIONS'], path: '/_matrix/client/v3/logout', resource: 'compat', handler: c.preflight },
    { methods: ['OPTIONS'], path: '/_matrix/client/v3/logout/all', resource: 'compat', handler: c.preflight },
    { methods: ['OPTIONS'], path: '/_matrix/client/v3/refresh', resource: 'compat', handler: c.preflight },
    { methods: ['GET'], path: '/_matrix/client/r0/login', resource: 'compat', handler: c.flows },
    { methods: ['POST'], path: '/_matrix/client/r0/login', resource: 'compat', handler: c.login },
    { methods: ['POST'], path: '/_matrix/client/r0/logout', resource: 'compat', handler: c.logout },
    { methods: ['POST'], path: '/_matrix/client/r0/logout/all', resource: 'compat', handler: c.logoutAll },
    { methods: ['POST'], path: '/_matrix/client/r0/refresh', resource: 'compat', handler: c.refresh },
    { methods: ['OPTIONS'], path: '/_matrix/client/r0/login', resource: 'compat', handler: c.preflight },
    { methods: ['OPTIONS'], path: '/_matrix/client/r0/logout', resource: 'compat', handler: c.preflight },
    { methods: ['OPTIONS'], path: '/_matrix/client/r0/logout/all', resource: 'compat', handler: c.preflight },
    { methods: ['OPTIONS'], path: '/_matrix/client/r0/refresh', resource: 'compat', handler: c.preflight },
    { methods: ['GET'], path: '/_matrix/client/v3/login/sso/redirect', resource: 'compat', handler: h.ssoRedirect.show },
    { methods: ['POST'], path: '/_matrix/client/v3/login/sso/redirect', resource: 'compat', handler: h.ssoRedirect.confirm },
    { methods: ['GET'], path: '/_matrix/client/v3/login/sso/redirect/:idpId', resource: 'compat', handler: h.ssoRedirect.show },
    { methods: ['POST'], path: '/_matrix/client/v3/login/sso/redirect/:idpId', resource: 'compat', handler: h.ssoRedirect.confirm },
    { methods: ['GET'], path: '/_matrix/client/r0/login/sso/redirect', resource: 'compat', handler: h.ssoRedirect.show },
    { methods: ['POST'], path: '/_matrix/client/r0/login/sso/redirect', resource: 'compat', handler: h.ssoRedirect.confirm },
    { methods: ['GET'], path: '/_matrix/client/r0/login/sso/redirect/:idpId', resource: 'compat', handler: h.ssoRedirect.show },
    { methods: ['POST'], path: '/_matrix/client/r0/login/sso/redirect/:idpId', resource: 'compat', handler: h.ssoRedirect.confirm },

    // Discovery: Matrix's (oauth/matrix-discovery.ts), then the engine's metadata and keys.
    { methods: ['GET'], path: '/.well-known/matrix/client', resource: 'discovery', handler: h.discovery.clientWellKnown },
    { methods: ['GET'], path: '/_matrix/client/v1/auth_metadata', resource: 'discovery', handler: h.discovery.authMetadata },
    { methods: ['GET'], path: '/_matrix/client/unstable/org.matrix.msc2965/auth_metadata', resource: 'discovery', handler: h.discovery.authMetadata },
    { methods: ['GET'], path: '/_matrix/client/unstable/org.matrix.msc2965/auth_issuer', resource: 'discovery', handler: h.discovery.authIssuer },
    { methods: ['OPTIONS'], path: '/.well-known/matrix/client', resource: 'discovery', handler: h.discovery.preflight },
    { methods: ['OPTIONS'], path: '/_matrix/client/v1/auth_metadata', resource: 'discovery', handler: h.discovery.preflight },
    { methods: ['OPTIONS'], path: '/_matrix/client/unstable/org.matrix.msc2965/auth_metadata', resource: 'discovery', handler: h.discovery.preflight },
    { methods: ['OPTIONS'], path: '/_matrix/client/unstable/org.matrix.msc2965/auth_issuer', resource: 'discovery', handler: h.discovery.preflight },
    { methods: [...GET, 'OPTIONS'], path: '/.well-known/openid-configuration', resource: 'discovery', handler: ENGINE },
    { methods: [...GET, 'OPTIONS'], path: '/.well-known/oauth-authorization-server', resource: 'discovery', handler: ENGINE },
    { methods: [...GET, 'OPTIONS'], path: '/oauth2/keys.json', resource: 'discovery', handler: ENGINE },

    // The pages of an authorization in progress (web/interaction/, web/registration.ts).
    { methods: ['GET'], path: '/interaction/:uid', resource: 'human', handler: i.start },
    { methods: ['GET'], path: '/interaction/:uid/register', resource: 'human', handler: i.register.form },
    { methods: ['POST'], path: '/interaction/:uid/register', resource: 'human', handler: i.register.submit },
    { methods: ['GET'], path: '/interaction/:uid/register/verify', resource: 'human', handler: i.register.verifyForm },
    { methods: ['POST'], path: '/interaction/:uid/register/verify', resource: 'human', handler: i.register.verify },
    { methods: ['POST'], path: '/interaction/:uid/register/resend', resource: 'human', handler: i.register.resend },
    { methods: ['GET'], path: '/interaction/:uid/login', resource: 'human', handler: i.login.form },
    { methods: ['POST'], path: '/interaction/:uid/login', resource: 'human', handler: i.login.submit },
    { methods: ['GET'], path: '/interaction/:uid/upstream/:authorizationId', resource: 'human', handler: i.upstream?.show },
    { methods: ['POST'], path: '/interaction/:uid/upstream/:authorizationId', resource: 'human', handler: i.upstream?.submit },
    { methods: ['POST'], path: '/interaction/:uid/terms', resource: 'human', handler: i.terms },
    { methods: ['POST'], path: '/interaction/:uid/consent', resource: 'human', handler: i.consent },

    // Sign-in through upstream providers (upstream/): MAS's paths, and Synapse's callback path.
    { methods: ['GET'], path: '/upstream/authorize/:providerId', resource: 'human', handler: u?.authorize },
    { methods: ['GET', 'POST'], path: '/upstream/callback/:providerId', resource: 'human', handler: u?.callback },
    { methods: ['GET', 'POST'], path: '/_synapse/client/oidc/callback', resource: 'human', handler: u?.synapseCallback },
    { methods: ['POST'], path: '/upstream/backchannel-logout/:providerId', resource: 'human', handler: u?.backchannelLogout },

    // The forms' live hints (web/live-checks.ts) and password recovery (web/recovery.ts).
    { methods: ['GET'], path: '/register/available', resource: 'human', handler: h.liveChecks.availability },
    { methods: ['POST'], path: '/password-strength', resource: 'human', handler: h.liveChecks.strength },
    { methods: ['GET'], path: '/recover', resource: 'human', handler: h.recovery.requestForm },
    { methods: ['POST'], path: '/recover', resource: 'human', handler: h.recovery.request },
    { methods: ['GET'], path: '/recover/:token', resource: 'human', handler: h.recovery.resetForm },
    { methods: ['POST'], path: '/recover/:token', resource: 'human', handler: h.recovery.reset },

    // The start page (web/home.ts): where a typed address lands, and every error page leads back.
    { methods: ['GET'], path: '/', resource: 'human', handler: h.home.index },
    { methods: ['GET'], path: '/register', resource: 'human', handler: h.home.register },

    // The account pages (web/account.ts, web/account/); a view that is off has no rows.
    { methods: ['GET'], path: '/account/callback', resource: 'human', handler: a.callback },
    { methods: ['GET'], path: '/account/devices', resource: 'human', handler: a.devices.view },
    { methods: ['POST'], path: '/account/sessions/:id/end', resource: 'human', handler: a.devices.endSession },
    { methods: ['POST'], path: '/account/sessions/:id/rename', resource: 'human', handler: a.devices.renameSession },
    { methods: ['POST'], path: '/account/compat-sessions/:id/end', resource: 'human', handler: a.devices.endCompatSession },
    { methods: ['POST'], path: '/account/compat-sessions/:id/rename', resource: 'human', handler: a.devices.renameCompatSession },
    { methods: ['POST'], path: '/account/browser-sessions/:id/end', resource: 'human', handler: a.devices.endBrowserSession },
    { methods: ['POST'], path: '/account/devices/sign-out-others', resource: 'human', handler: a.devices.signOutOthers },
    { methods: ['POST'], path: '/account/sign-out', resource: 'human', handler: a.devices.signOut },
    { methods: ['GET'], path: '/account/profile', resource: 'human', handler: a.profile.view },
    { methods: ['POST'], path: '/account/profile', resource: 'human', handler: a.profile.save },
    { methods: ['GET'], path: '/account/emails', resource: 'human', handler: a.emails.view },
    { methods: ['POST'], path: '/account/emails', resource: 'human', handler: a.emails.add },
    // `codes/:id` before `:id/primary`: `/account/emails/codes/primary` is a code's.
    { methods: ['POST'], path: '/account/emails/codes/:id', resource: 'human', handler: a.emails.verify },
    { methods: ['POST'], path: '/account/emails/codes/:id/resend', resource: 'human', handler: a.emails.resend },
    { methods: ['POST'], path: '/account/emails/codes/:id/cancel', resource: 'human', handler: a.emails.cancel },
    { methods: ['POST'], path: '/account/emails/:id/primary', resource: 'human', handler: a.emails.makePrimary },
    { methods: ['POST'], path: '/account/emails/:id/remove', resource: 'human', handler: a.emails.remove },
    { methods: ['GET'], path: '/account/phones', resource: 'human', handler: a.phones?.view },
    { methods: ['POST'], path: '/account/phones', resource: 'human', handler: a.phones?.add },
    { methods: ['POST'], path: '/account/phones/codes/:id', resource: 'human', handler: a.phones?.verify },
    { methods: ['POST'], path: '/account/phones/codes/:id/resend', resource: 'human', handler: a.phones?.resend },
    { methods: ['POST'], path: '/account/phones/codes/:id/cancel', resource: 'human', handler: a.phones?.cancel },
    { methods: ['POST'], path: '/account/phones/:id/remove', resource: 'human', handler: a.phones?.remove },
    { methods: ['GET'], path: '/account/password', resource: 'human', handler: a.password?.view },
    { methods: ['POST'], path: '/account/password', resource: 'human', handler: a.password?.change },
    { methods: ['GET'], path: '/account/deactivate', resource: 'human', handler: a.deactivate?.view },
    { methods: ['POST'], path: '/account/deactivate', resource: 'human', handler: a.deactivate?.deactivate },
    { methods: ['GET'], path: '/account/', resource: 'human', handler: a.overview },
    { methods: ['POST'], path: '/account/cross-signing-reset', resource: 'human', handler: a.crossSigningReset },

    // The engine's pages: authorization, device codes, logout.
    { methods: GET, path: '/authorize', resource: 'human', handler: ENGINE },
    { methods: GET, path: '/authorize/:uid', resource: 'human', handler: ENGINE },
    { methods: [...GET, 'POST'], path: '/link', resource: 'human', handler: ENGINE },
    { methods: GET, path: '/link/:uid', resource: 'human', handler: ENGINE },
    { methods: GET, path: '/oauth2/logout', resource: 'human', handler: ENGINE },
    { methods: ['POST'], path: '/oauth2/logout/confirm', resource: 'human', handler: ENGINE },
    { methods: GET, path: '/oauth2/logout/success', resource: 'human', handler: ENGINE },

    // The OAuth API: userinfo (oauth/userinfo.ts), introspection (oauth/introspect.ts), the engine's.
    { methods: ['GET', 'POST'], path: '/oauth2/userinfo', resource: 'oauth', handler: h.userinfo.userinfo },
    { methods: ['OPTIONS'], path: '/oauth2/userinfo', resource: 'oauth', handler: h.userinfo.preflight },
    { methods: ['POST'], path: '/oauth2/introspect', resource: 'oauth', handler: h.introspection },
    { methods: ['POST', 'OPTIONS'], path: '/oauth2/token', resource: 'oauth', handler: ENGINE },
    // OPTIONS is answered by mxauth's registration hook (browser clients register cross-origin).
    { methods: ['POST', 'OPTIONS'], path: '/oauth2/registration', resource: 'oauth', handler: ENGINE },
    { methods: GET, path: '/oauth2/registration/:clientId', resource: 'oauth', handler: ENGINE },
    { methods: ['POST', 'OPTIONS'], path: '/oauth2/revoke', resource: 'oauth', handler: ENGINE },
    { methods: ['POST', 'OPTIONS'], path: '/oauth2/device', resource: 'oauth', handler: ENGINE },
    { methods: ['POST', 'OPTIONS'], path: '/oauth2/par', resource: 'oauth', handler: ENGINE },

    // The pages' static assets (web/assets.ts); custom.css only when the override directory has one.
    { methods: ['GET'], path: '/assets/mxauth.css', resource: 'assets', handler: h.assets.stylesheet },
    { methods: ['GET'], path: '/assets/theme.css', resource: 'assets', handler: h.assets.theme },
    { methods: ['GET'], path: '/assets/custom.css', resource: 'assets', handler: h.assets.customCss },
    { methods: ['GET'], path: '/assets/mxauth.js', resource: 'assets', handler: h.assets.script },
    { methods: ['GET'], path: '/assets/brand/:file', resource: 'assets', handler: h.assets.brandImage },
    { methods: ['GET'], path: '/assets/favicon.svg', resource: 'assets', handler: h.assets.favicon },
    { methods: ['GET'], path: '/favicon.ico', resource: 'assets', handler: h.assets.faviconIco },
  ];
  return rows.filter((row): row is Route => row.handler !== undefined);
}

export function isEngineRoute(route: Route): boolean {
  return typeof route.handler !== 'function' && route.handler.kind === 'engine';
}
