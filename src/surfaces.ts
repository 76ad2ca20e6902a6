import type { Middleware } from 'koa';
import { AppserviceRegistry } from './compat/appservices.js';
import { type AppserviceAuth, compatLoginHandlers } from './compat/login.js';
import { ssoRedirectHandlers } from './compat/sso-redirect.js';
import type { Services } from './compose.js';
import type { Config } from './config/config.js';
import { deriveKey, KEY_LABELS } from './config/derived-keys.js';
import type { ResourceName } from './config/schema.js';
import type { Clock } from './domain/clock.js';
import type { Rng } from './domain/random.js';
import { ulidGenerator } from './domain/ulid.js';
import type { FastPath } from './http/app.js';
import { type EngineHandoff, mountRoutes } from './http/route-mount.js';
import { queryGuard } from './http/text-guard.js';
import { enginePages } from './oauth/engine-pages.js';
import { installHooks } from './oauth/hooks.js';
import { EngineInteractions } from './oauth/interactions.js';
import { introspectionHandler } from './oauth/introspect.js';
import { matrixDiscoveryHandlers } from './oauth/matrix-discovery.js';
import { createEngine, type OAuthEngine } from './oauth/provider.js';
import { RefreshTurns } from './oauth/refresh-turns.js';
import { TokenCache } from './oauth/token-cache.js';
import { TokenLookup } from './oauth/token-lookup.js';
import { userinfoHandlers } from './oauth/userinfo.js';
import type { Logger } from './observability/logger.js';
import { RepeatedLog } from './observability/repeated-log.js';
import { type Handlers, type Route, routeTable } from './routes.js';
import { AccountSettings } from './services/account-settings.js';
import { CaptchaVerifier } from './services/captcha.js';
import type { OAuthSessionService } from './services/oauth-sessions.js';
import { RateLimiter } from './services/rate-limit.js';
import { SecretBox } from './services/secret-box.js';
import { buildUpstream } from './upstream/index.js';
import { accountHandlers } from './web/account.js';
import { assetHandlers } from './web/assets.js';
import { setPublicRoot } from './web/base-path.js';
import { browserSession } from './web/browser-session.js';
import { Csrf } from './web/csrf.js';
import { homeHandlers } from './web/home.js';
import { interactionHandlers } from './web/interaction/index.js';
import { KnownBrowsers } from './web/known-browser.js';
import { languageSwitch } from './web/language-switch.js';
import { type LiveCheckLimits, liveCheckHandlers } from './web/live-checks.js';
import { type RecoveryLimits, recoveryHandlers } from './web/recovery.js';
import type { RegistrationLimits } from './web/registration.js';
import { securityHeaders } from './web/security-headers.js';

/** The protocol and page surfaces, built once the services exist, and composed per listener's resources. */
export interface Surfaces {
  engine: OAuthEngine;
  sessions: OAuthSessionService;
  /** Token lookups (introspection, userinfo), for their metrics. */
  tokens: TokenLookup;
  /** Every route served once the services run, as src/routes.ts lists them (health and metrics aside). */
  routes: readonly Route[];
  fastPaths: readonly FastPath[];
  middlewareFor(resources: ReadonlySet<ResourceName>): Middleware;
}

export function buildSurfaces(
  config: Config,
  services: Services,
  deps: { clock: Clock; rng: Rng; logger: Logger; outboundFetch?: typeof fetch },
): Surfaces {
  const { storage, users, sessions } = services;
  // The introspection fast path reads tokens straight from storage (through its cache): it answers
  // every request a homeserver serves, and a service layer would only add a hop.
  const tokens = new TokenLookup(
    storage,
    deps.clock,
    services.tokenChanges && new TokenCache(services.tokenChanges, config.tokens.introspectionCacheEntries),
  );
  const pages = enginePages(config);
  const refreshTurns = new RefreshTurns(deps.clock);
  // The engine's adapter stores the engine's own records (grants, codes, tokens) in the engine's shape;
  // no service owns them, so it keeps direct storage, as the hooks around the engine do.
  const engine = createEngine({
    config,
    storage,
    clock: deps.clock,
    box: new SecretBox(deriveKey(config, KEY_LABELS.oauthRecords)),
    logger: deps.logger,
    newId: ulidGenerator(deps.clock, deps.rng),
    pages,
    refreshTurns,
    fetch: deps.outboundFetch,
  });
  // The human pages reach the engine only through this facade (oauth/interactions.ts).
  const interactions = new EngineInteractions(engine);
  const upstream = buildUpstream(config, {
    storage,
    users,
    outbox: services.outbox,
    sessions,
    interactions,
    encryptionKey: deriveKey(config, KEY_LABELS.upstream),
    clock: deps.clock,
    rng: deps.rng,
    logger: deps.logger,
  });
  installHooks(engine, {
    storage,
    clientLocalizations: services.clientLocalizations,
    sessions,
    rng: deps.rng,
    logger: deps.logger,
    pages,
    limits: config.rateLimiting,
    clock: deps.clock,
    refreshTurns,
    ...(upstream ? { upstreamSignedIn: upstream.signedIn } : {}),
  });

  const csrf = new Csrf(deriveKey(config, KEY_LABELS.csrf), config.http.publicBase.protocol === 'https:');
  const knownBrowsers = new KnownBrowsers(config, deps.clock);
  const limits = pageLimits(config.rateLimiting, deps.clock);
  const { loginLimits, signIn } = services;
  const settings = new AccountSettings(
    { ...services, clock: deps.clock },
    {
      passwordsEnabled: config.passwords.enabled,
      minimumComplexity: config.passwords.minimumComplexity,
      verifiedEmailRequired:
        config.account.password_recovery_enabled || config.account.password_registration_email_required,
      codeLimits: {
        sendsPerAccount: config.rateLimiting.verificationCodes.sendsPerAccount,
        checksPerAccount: config.rateLimiting.verificationCodes.checksPerAccount,
      },
    },
  );
  // Answers are checked with the provider through the global fetch, as a browser would reach it.
  const captcha =
    config.captcha &&
    new CaptchaVerifier(config.captcha, undefined, undefined, config.http.publicBase.hostname);

  const appservices = AppserviceRegistry.fromConfig(config);
  // The browser's sign-in to mxauth's own pages (the account, the start page).
  const browser = browserSession({
    config,
    interactions,
    browserSessions: services.browserSessions,
    clock: deps.clock,
  });
  const handlers: Handlers = {
    discovery: matrixDiscoveryHandlers(config),
    liveChecks: liveCheckHandlers({ config, users, csrf, limits: limits.liveChecks }),
    recovery: recoveryHandlers({
      config,
      recovery: services.recovery,
      limits: limits.recovery,
      csrf,
      logger: deps.logger,
    }),
    account: accountHandlers({
      config,
      interactions,
      sessions,
      users,
      csrf,
      compat: services.compat,
      settings,
      browser,
      signIn,
      knownBrowsers,
    }),
    assets: assetHandlers(config),
    home: homeHandlers({ config, browser }),
    introspection: {
      kind: 'fast',
      quietWhenOk: true,
      handle: introspectionHandler({ config, tokens, log: new RepeatedLog(deps.logger) }),
    },
    compatLogin: compatLoginHandlers({
      config,
      users,
      compat: services.compat,
      loginLimits,
      signIn,
      ...(appservices.enabled ? { appservices: appservices as AppserviceAuth } : {}),
    }),
    ssoRedirect: ssoRedirectHandlers({
      config,
      interactions,
      csrf,
      compat: services.compat,
      browserSessions: services.browserSessions,
    }),
    userinfo: userinfoHandlers({ userinfo: services.userinfo, tokens }),
    interaction: interactionHandlers({
      config,
      interactions,
      users,
      csrf,
      signIn,
      terms: services.terms,
      knownBrowsers,
      registrationTokens: services.registrationTokens,
      captcha,
      reads: services.interactionReads,
      registrationLimits: limits.registration,
      verification: services.verification,
      clock: deps.clock,
      upstream,
    }),
    upstream: upstream?.handlers,
  };
  const routes = routeTable(handlers);
  // Listeners speak plain HTTP; with an https public_base a TLS-terminating proxy is in front, and the
  // cookies mxauth sets must be Secure (Koa refuses Secure cookies on a connection it thinks is plain).
  const https = config.http.publicBase.protocol === 'https:';
  const secureCookies: Middleware = (ctx, next) => {
    if (https) ctx.cookies.secure = true;
    // HSTS for the host mxauth is published on (a year; not includeSubDomains, which is the domain's call).
    if (https) ctx.set('Strict-Transport-Security', 'max-age=31536000');
    // Cookies mxauth sets itself are scoped to public_base's path (see web/base-path.ts).
    setPublicRoot(ctx, config.http.publicBase.pathname);
    return next();
  };
  const mounted = mountRoutes(routes, {
    // queryGuard: no route, mxauth's or the engine's, sees a query string with a control character.
    // After secureCookies: the language cookie is Secure and scoped to the public root too.
    before: [securityHeaders, queryGuard, secureCookies, languageSwitch(config)],
    engine: engineHandoff(engine, config),
  });

  return {
    engine,
    sessions,
    tokens,
    routes,
    fastPaths: mounted.fastPaths,
    middlewareFor: (resources) => mounted.middlewareFor(resources),
  };
}

/** The per-address limits of the pages besides sign-in, from `rate_limiting` (compose.ts builds sign-in's). */
function pageLimits(
  limits: Config['rateLimiting'],
  clock: Clock,
): {
  registration: RegistrationLimits;
  recovery: RecoveryLimits;
  liveChecks: LiveCheckLimits;
} {
  return {
    registration: {
      submit: new RateLimiter(limits.registration, clock),
      code: new RateLimiter(limits.verificationCodes.checksPerIp, clock),
    },
    recovery: {
      requestPerIp: new RateLimiter(limits.accountRecovery.perIp, clock),
      requestPerAddress: new RateLimiter(limits.accountRecovery.perAddress, clock),
      resetPerIp: new RateLimiter(limits.accountRecovery.resetPerIp, clock),
    },
    liveChecks: {
      availability: new RateLimiter(limits.liveChecks.availabilityPerIp, clock),
      strength: new RateLimiter(limits.liveChecks.strengthPerIp, clock),
    },
  };
}

/**
 * Hands the engine's paths to it. The engine builds every URL it prints from the request, so the request
 * is made to look as if it came to public_base: discovery must advertise public URLs even when the
 * homeserver fetches it over an internal address. The request's path is already relative to
 * public_base's path (the listener stripped its prefix, or the proxy did); the engine learns that path
 * as its mount path (`req.baseUrl`, which it reads as Express's), and prefixes every URL with it.
 */
function engineHandoff(engine: OAuthEngine, config: Config): EngineHandoff {
  const handle = engine.callback();
  const publicHost = config.http.publicBase.host;
  const publicProto = config.http.publicBase.protocol.slice(0, -1);
  const mountPath = config.http.publicBase.pathname.slice(0, -1);
  return async (ctx) => {
    const req = ctx.req as typeof ctx.req & { baseUrl?: string; originalUrl?: string };
    req.baseUrl = mountPath;
    // Read before baseUrl, and not set by Koa; a host framework's value would name another mount path.
    delete req.originalUrl;
    const headers = ctx.req.headers;
    headers.host = publicHost;
    headers['x-forwarded-proto'] = publicProto;
    delete headers['x-forwarded-host'];
    // The engine believes X-Forwarded-For (proxy mode): give it the address mxauth resolved, or none.
    if (ctx.state.clientAddress) headers['x-forwarded-for'] = ctx.state.clientAddress;
    else delete headers['x-forwarded-for'];
    // Headers already set on this response (security headers) are kept by the engine.
    for (const [name, value] of Object.entries(ctx.response.headers))
      if (value !== undefined) ctx.res.setHeader(name, value as string);
    ctx.respond = false;
    await handle(ctx.req, ctx.res);
  };
}
