import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/config.js';
import { checkClientMetadata } from '../domain/client-metadata.js';
import type { Clock } from '../domain/clock.js';
import { deviceScope, generateDeviceId, parseMatrixScope } from '../domain/matrix-scopes.js';
import type { Rng } from '../domain/random.js';
import { sendOAuthError } from '../http/errors/oauth.js';
import { BODY_LIMITS, readBody } from '../http/read-body.js';
import {
  controlCharacterMessage,
  findControlCharacter,
  findControlCharacterInPairs,
} from '../http/text-guard.js';
import type { Logger } from '../observability/logger.js';
import type { ClientLocalizationService } from '../services/client-localizations.js';
import type { OAuthSessionService } from '../services/oauth-sessions.js';
import type { Storage } from '../storage/storage.js';
import { abuseLimits } from './abuse-limits.js';
import { sha256 } from './adapter.js';
import { classifyEngineError } from './engine-errors.js';
import type { EnginePages } from './engine-pages.js';
import { engineFormTargets } from './form-targets.js';
import { UPSTREAM_RESULT } from './interactions.js';
import { refuseLoopbackPortZero } from './loopback-port.js';
import { type OAuthEngine, ROUTES } from './provider.js';
import type { RefreshTurns } from './refresh-turns.js';

type Ctx = KoaContextWithOIDC;

export interface HookDependencies {
  /**
   * The engine's own records only (a client kept once it has a session): they are the engine's
   * plumbing, in its shape, which no service owns (as the adapter, see surfaces.ts).
   */
  storage: Pick<Storage, 'oauthRecords'>;
  clientLocalizations: ClientLocalizationService;
  sessions: OAuthSessionService;
  rng: Rng;
  logger: Logger;
  pages: EnginePages;
  limits: Config['rateLimiting'];
  clock: Clock;
  refreshTurns: RefreshTurns;
  /** An upstream sign-in ended in this engine browser session (see UPSTREAM_RESULT). */
  upstreamSignedIn?: (authorizationId: string, browserSessionUid: string) => Promise<void>;
}

/**
 * What mxauth adds around the engine's endpoints: Matrix rules for client registration (and CORS for
 * browser clients), a device for authorizations that name none, a device session per grant, and the end
 * of that session whenever the engine revokes a grant.
 */
export function installHooks(engine: OAuthEngine, deps: HookDependencies): void {
  engine.on('grant.revoked', (ctx: Ctx, grantId: string) => {
    const revoked: string[] = ctx.state.revokedGrants ?? [];
    revoked.push(grantId);
    ctx.state.revokedGrants = revoked;
  });
  engine.on('server_error', (_ctx: Ctx, error: Error) =>
    deps.logger.error({ err: error }, 'OAuth engine error'),
  );
  // A client's back-channel logout endpoint that fails is the client's problem, but the operator should see it.
  engine.on('backchannel.error', (_ctx: Ctx, error: Error, client: { clientId: string }) =>
    deps.logger.warn({ err: error, client_id: client.clientId }, 'back-channel logout delivery failed'),
  );

  engine.use(abuseLimits(deps) as never);
  engine.use(engineFormTargets as never);
  engine.use(bodyGuard(deps.pages) as never);
  // After the body is read (it tells identical refreshes apart), around everything that writes the answer.
  engine.use(deps.refreshTurns.middleware as never);
  engine.use(refuseLoopbackPortZero(deps.pages) as never);
  engine.use(registration(deps) as never);
  engine.use(authorizationDevice(deps.rng) as never);
  engine.use((async (ctx: Ctx, next) => {
    try {
      await next();
    } catch (e) {
      // The engine fails to save a browser session it created in a request that then failed (a form
      // posted to /link without the session it came from): the real answer is "start again", not 500.
      if (classifyEngineError(e) !== 'session_lost' || ctx.res.headersSent) throw e;
      await deps.pages.expired(ctx);
      return;
    }
    if (ctx.state.revokedGrants) await deps.sessions.grantsRevoked(ctx.state.revokedGrants as string[]);
    const route = ctx.oidc?.route;
    if (route === 'token' && ctx.status === 200) await tokensIssued(ctx, deps);
    if (route === 'resume') await upstreamResumed(ctx, deps);
    if ((route === 'discovery' || route === 'jwks') && ctx.status === 200)
      ctx.set('Cache-Control', 'public, max-age=300, stale-while-revalidate=3600');
  }) as Middleware as never);
}

/** Registration: CORS for every origin (MSC2966 clients register from the browser), then the Matrix rules. */
function registration(deps: HookDependencies): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== ROUTES.registration) return next();
    ctx.set('Access-Control-Allow-Origin', '*');
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'POST');
      ctx.set('Access-Control-Allow-Headers', 'Content-Type, Authorization');
      ctx.set('Access-Control-Max-Age', '86400');
      ctx.status = 204;
      return;
    }
    if (ctx.method !== 'POST' || !ctx.is('application/json')) return next();
    const raw = await readRaw(ctx, BODY_LIMITS.registration);
    if (raw === undefined)
      return registrationError(ctx, 'invalid_client_metadata', 'the request body is too large');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return registrationError(ctx, 'invalid_client_metadata', 'the request body is not valid JSON');
    }
    const checked = checkClientMetadata(body);
    if (!checked.ok)
      return registrationError(
        ctx,
        checked.error.field === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata',
        checked.error.description,
      );
    const grants = checked.value.metadata.grant_types ?? ['authorization_code'];
    const allowedGrants = [
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ];
    if (!Array.isArray(grants) || grants.some((g) => !allowedGrants.includes(g)))
      return registrationError(
        ctx,
        'invalid_client_metadata',
        `grant_types may only contain ${allowedGrants.join(', ')} for dynamically registered clients`,
      );
    const method = checked.value.metadata.token_endpoint_auth_method ?? 'none';
    // Secrets of dynamically registered clients would have to be stored readable; Matrix clients are public.
    if (method !== 'none')
      return registrationError(
        ctx,
        'invalid_client_metadata',
        'token_endpoint_auth_method must be "none" for dynamically registered clients',
      );
    // The engine reads an already-consumed body from req.body.
    (ctx.req as unknown as { body: Buffer }).body = Buffer.from(
      JSON.stringify({ ...checked.value.metadata, token_endpoint_auth_method: 'none' }),
    );
    await next();
    const response = ctx.body as Record<string, unknown> | undefined;
    if (ctx.status === 201 && typeof response?.client_id === 'string' && checked.value.localized.length > 0) {
      await deps.clientLocalizations.save(response.client_id, checked.value.localized);
      for (const { field, language, value } of checked.value.localized)
        response[`${field}#${language}`] = value;
    }
  };
}

function registrationError(
  ctx: Parameters<Middleware>[0],
  error: 'invalid_client_metadata' | 'invalid_redirect_uri',
  description: string,
): void {
  sendOAuthError(ctx, { kind: 'client_metadata', error, description });
}

/**
 * The engine's JSON and form bodies, read once before any hook or the engine (which then takes them from
 * `req.body`), and refused when a text in them carries a control character (see http/text-guard.ts):
 * PostgreSQL refuses NUL, and a registration failing there had already written its client.
 */
function bodyGuard(pages: Pick<EnginePages, 'badRequest'>): Middleware {
  return async (ctx, next) => {
    const json = ctx.is('application/json') === 'application/json';
    if (!ctx.req.readable || !(json || ctx.is('application/x-www-form-urlencoded'))) return next();
    // Only this spelling reaches the engine (surfaces.ts: engineHandoff).
    const registering = ctx.path === ROUTES.registration;
    const raw = await readRaw(ctx);
    if (raw === undefined) {
      if (registering)
        return registrationError(ctx, 'invalid_client_metadata', 'the request body is too large');
      return sendOAuthError(ctx, { kind: 'too_large' });
    }
    (ctx.req as unknown as { body: Buffer }).body = raw;
    let bad: string | undefined;
    if (json) {
      try {
        bad = findControlCharacter(JSON.parse(raw.toString('utf8')));
      } catch {
        // Not JSON: the engine and the hooks answer that in their own words.
        return next();
      }
    } else bad = findControlCharacterInPairs(new URLSearchParams(raw.toString('utf8')));
    if (bad === undefined) return next();
    const description = controlCharacterMessage(bad);
    if (ctx.accepts('json', 'html') === 'html' && !json) await pages.badRequest(ctx as never, description);
    else if (registering) registrationError(ctx, 'invalid_client_metadata', description);
    else sendOAuthError(ctx, { kind: 'malformed', description });
  };
}

async function readRaw(
  ctx: Parameters<Middleware>[0],
  limit: number = BODY_LIMITS.engine,
): Promise<Buffer | undefined> {
  // Already read by bodyGuard.
  const read = (ctx.req as unknown as { body?: unknown }).body;
  if (Buffer.isBuffer(read)) return read.length > limit ? undefined : read;
  return readBody(ctx.req, ctx.res, limit);
}

/**
 * An authorization asking for the Matrix API but no device gets a fresh device id, added to its scope
 * before the engine reads it; the client learns it from the token response's scope.
 */
function authorizationDevice(rng: Rng): Middleware {
  const withDevice = (scope: string): string | undefined => {
    const parsed = parseMatrixScope(scope);
    if (!parsed.ok || !parsed.value.api || parsed.value.deviceId) return undefined;
    return `${scope} ${deviceScope(generateDeviceId(rng), parsed.value.flavour)}`;
  };
  return async (ctx, next) => {
    // HEAD too: the engine's GET routes answer it, and the interaction it starts can be finished by GET.
    const read = ctx.method === 'GET' || ctx.method === 'HEAD';
    if (ctx.path === ROUTES.authorization && read && typeof ctx.query.scope === 'string') {
      const scope = withDevice(ctx.query.scope);
      if (scope) ctx.query = { ...ctx.query, scope };
    }
    if (
      // A pushed authorization request (RFC 9126) carries the scope /authorize then reads from it.
      (ctx.path === ROUTES.device_authorization || ctx.path === ROUTES.pushed_authorization_request) &&
      ctx.method === 'POST' &&
      ctx.is('application/x-www-form-urlencoded')
    ) {
      const raw = await readRaw(ctx);
      const form = new URLSearchParams(raw?.toString('utf8') ?? '');
      const scope = withDevice(form.get('scope') ?? '');
      if (scope) form.set('scope', scope);
      // The engine reads an already-consumed body from req.body.
      (ctx.req as unknown as { body: string }).body = raw === undefined ? '' : form.toString();
    }
    await next();
  };
}

/** An upstream sign-in's interaction resumed: the browser session it signed in is now known. */
async function upstreamResumed(ctx: Ctx, deps: HookDependencies): Promise<void> {
  const result = ctx.oidc.result as Record<string, { authorizationId?: unknown } | undefined> | undefined;
  const id = result?.[UPSTREAM_RESULT]?.authorizationId;
  const uid = ctx.oidc.session?.uid;
  if (typeof id === 'string' && uid && deps.upstreamSignedIn) await deps.upstreamSignedIn(id, uid);
}

/** The first tokens of a grant mean a device signed in: record its session (ending any older one of that device). */
async function tokensIssued(ctx: Ctx, deps: HookDependencies): Promise<void> {
  const grantType = ctx.oidc.params?.grant_type;
  const token = ctx.oidc.entities.AccessToken;
  if (!token?.grantId || !token.accountId) return;
  if (grantType === 'refresh_token') return deps.sessions.active(token.grantId, ctx.ip ?? null);
  if (grantType !== 'authorization_code' && grantType !== 'urn:ietf:params:oauth:grant-type:device_code')
    return;
  const scope = String(token.scope ?? '');
  const parsed = parseMatrixScope(scope);
  const started = await deps.sessions.started({
    userId: token.accountId,
    clientId: token.clientId ?? String(ctx.oidc.client?.clientId),
    clientName: ctx.oidc.client?.clientName ?? null,
    grantId: token.grantId,
    deviceId: parsed.ok ? (parsed.value.deviceId ?? null) : null,
    scope,
    userAgent: ctx.get('user-agent') || null,
    ip: ctx.ip ?? null,
    browserSessionId: typeof token.sessionUid === 'string' ? token.sessionUid : null,
  });
  // Someone signed in with the client: it is kept, no longer swept as a registration never used.
  if (started.ok) {
    const clientId = token.clientId ?? ctx.oidc.client?.clientId;
    if (clientId) await deps.storage.oauthRecords.keep('Client', sha256(clientId));
    return;
  }
  // The tokens were minted but the homeserver does not know the device: they would be refused there, so
  // they are revoked (by `started`) and the client is told to try again, in the token endpoint's format.
  deps.logger.warn(
    { error: started.error.error },
    'device not provisioned on the homeserver; tokens withheld',
  );
  sendOAuthError(ctx, {
    kind: 'unavailable',
    description: 'The homeserver could not be reached to set up this device. Sign in again in a moment.',
    retryAfterSeconds: 10,
  });
}
