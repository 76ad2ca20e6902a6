import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import { tokenHash } from '../domain/token-hash.js';
import { addressBucket, RateLimiter } from '../services/rate-limit.js';
import type { EnginePages } from './engine-pages.js';
import { ROUTES } from './provider.js';

/*
 * Limits on the engine's anonymous endpoints, which oidc-provider does not limit itself (its device flow
 * has no `interval` and never answers `slow_down`): client registration and device authorization per
 * client address, wrong codes typed on /link per address, and device polling (RFC 8628 §3.5).
 *
 * Everything is held in process memory: with several instances behind one address, each limits on its
 * own (a client spread over N instances gets up to N times the limit).
 */

type Ctx = KoaContextWithOIDC;

export interface AbuseLimitDependencies {
  limits: Config['rateLimiting'];
  clock: Clock;
  pages: EnginePages;
}

/** Seconds a device waits between polls of the token endpoint (RFC 8628 §3.2 `interval`). */
export const DEVICE_POLL_INTERVAL_S = 5;
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** Device codes live 10 minutes (provider.ts ttl.DeviceCode); their polling state a little longer. */
const POLL_STATE_MS = 15 * 60_000;
const POLL_STATE_ENTRIES = 10_000;

/** Installed before every other hook, so that a refused request costs no body parsing and no query. */
export function abuseLimits(deps: AbuseLimitDependencies): Middleware {
  const registrations = new RateLimiter(deps.limits.clientRegistration.perIp, deps.clock);
  const deviceAuthorizations = new RateLimiter(deps.limits.deviceAuthorization.perIp, deps.clock);
  const wrongCodes = new RateLimiter(deps.limits.deviceUserCode.perIp, deps.clock);
  const polls = new DevicePolls(deps.clock);

  return async (rawCtx, next) => {
    const ctx = rawCtx as unknown as Ctx;
    // The address mxauth resolved: the engine reads it from the X-Forwarded-For that surfaces.ts sets.
    const address = addressBucket(ctx.ip);
    if (ctx.method === 'POST' && ctx.path === ROUTES.registration) {
      const taken = registrations.take(address);
      // A browser client (MSC2966) must be able to read the refusal.
      if (!taken.ok) {
        ctx.set('Access-Control-Allow-Origin', '*');
        ctx.set('Access-Control-Expose-Headers', 'Retry-After');
        return tooMany(ctx, taken.retryAfterMs, 'too many client registrations from this address');
      }
    }
    if (ctx.method === 'POST' && ctx.path === ROUTES.device_authorization) {
      const taken = deviceAuthorizations.take(address);
      if (!taken.ok)
        return tooMany(ctx, taken.retryAfterMs, 'too many device authorizations from this address');
    }
    // Only wrong codes count (someone typing their code right is never held up). A token is taken
    // before the engine looks the code up and given back when it found one: checking first and taking
    // after would let concurrent guesses all pass the check.
    const enteringCode = ctx.method === 'POST' && ctx.path === ROUTES.code_verification;
    if (enteringCode) {
      const taken = wrongCodes.take(address);
      if (!taken.ok) {
        ctx.req.resume();
        ctx.set('Retry-After', retryAfterSeconds(taken.retryAfterMs));
        await deps.pages.userCodeLimited(ctx);
        ctx.status = 429;
        return;
      }
    }

    await next();

    const route = ctx.oidc?.route;
    // A wrong code (unknown, expired or used): the engine answered with the code-entry page again and
    // left no DeviceCode on the context. Anything else was no guess.
    const guessedWrong =
      route === 'code_verification' &&
      typeof ctx.oidc.params?.user_code === 'string' &&
      !ctx.oidc.entities.DeviceCode;
    if (enteringCode && !guessedWrong) wrongCodes.refund(address);
    if (route === 'device_authorization' && ctx.status === 200 && isRecord(ctx.body))
      ctx.body.interval = DEVICE_POLL_INTERVAL_S;
    if (
      route === 'token' &&
      ctx.oidc.params?.grant_type === DEVICE_GRANT &&
      typeof ctx.oidc.params.device_code === 'string' &&
      isRecord(ctx.body) &&
      ctx.body.error === 'authorization_pending' &&
      polls.tooFast(ctx.oidc.params.device_code)
    )
      // RFC 8628 §3.5: still pending, and the device must add 5 s to its interval from now on.
      ctx.body = {
        error: 'slow_down',
        error_description: `polling too fast: wait at least ${DEVICE_POLL_INTERVAL_S} more seconds between requests`,
      };
  };
}

/**
 * When each pending device code last polled and the interval it has been told to keep. Only codes the
 * engine answered `authorization_pending` for (live codes, which device authorization limits) get an
 * entry; they are kept by hash, since a device code is the device's secret.
 */
class DevicePolls {
  readonly #codes = new Map<string, { intervalMs: number; last: number }>();

  constructor(private readonly clock: Clock) {}

  /** Records a pending poll; true when it came sooner than the code's interval after the previous one. */
  tooFast(deviceCode: string): boolean {
    const now = this.clock.now().getTime();
    const key = tokenHash(deviceCode);
    const seen = this.#codes.get(key) ?? { intervalMs: DEVICE_POLL_INTERVAL_S * 1000, last: -Infinity };
    const fast = now - seen.last < seen.intervalMs;
    if (fast) seen.intervalMs += DEVICE_POLL_INTERVAL_S * 1000;
    seen.last = now;
    // Re-inserted, so the map stays ordered by last poll and the oldest go first when it is full.
    this.#codes.delete(key);
    this.#codes.set(key, seen);
    if (this.#codes.size > POLL_STATE_ENTRIES) this.#prune(now);
    return fast;
  }

  #prune(now: number): void {
    for (const [key, { last }] of this.#codes) {
      if (this.#codes.size <= POLL_STATE_ENTRIES && last >= now - POLL_STATE_MS) return;
      this.#codes.delete(key);
    }
  }
}

function tooMany(ctx: Ctx, retryAfterMs: number, description: string): void {
  // The body is not needed; reading it to its end keeps the connection usable.
  ctx.req.resume();
  ctx.status = 429;
  ctx.set('Retry-After', retryAfterSeconds(retryAfterMs));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: 'temporarily_unavailable', error_description: description };
}

const retryAfterSeconds = (ms: number): string => String(Math.max(1, Math.ceil(ms / 1000)));

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
