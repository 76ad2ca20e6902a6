import type { Context, Middleware } from 'koa';
import type { Config } from '../config/config.js';
import { addressBucket, type RateLimiter } from '../services/rate-limit.js';
import type { UserService } from '../services/users.js';
import { readForm } from './body.js';
import { pageChrome } from './chrome.js';
import type { Csrf } from './csrf.js';
import { passwordAdvice } from './password-advice.js';
import { sendProblemJson } from './problem-page.js';
import { registerProblemMessage } from './register-problems.js';

/** The JSON checks' paths (relative to public_base's path; served as src/routes.ts lists), for links. */
export const AVAILABILITY_ROUTE = '/register/available';
export const STRENGTH_ROUTE = '/password-strength';

export interface LiveCheckDependencies {
  config: Config;
  users: UserService;
  csrf: Csrf;
  limits: LiveCheckLimits;
}

/** Per client address (surfaces.ts sets them). */
export interface LiveCheckLimits {
  availability: RateLimiter;
  strength: RateLimiter;
}

/**
 * The JSON answers behind the forms' live hints (see script.ts): whether a username is free, and how
 * strong a password is. Both are rate-limited per client address; the strength check takes the password
 * in a POST body (never in a URL, which would be logged) with the form's CSRF token.
 */
export interface LiveCheckHandlers {
  availability: Middleware;
  strength: Middleware;
}

export function liveCheckHandlers(deps: LiveCheckDependencies): LiveCheckHandlers {
  const { config, users, csrf } = deps;
  const chrome = pageChrome(config);
  const { limits } = deps;

  const json = (ctx: Context, status: number, body: Record<string, unknown>) => {
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
  const limited = (ctx: Context, limiter: RateLimiter): boolean => {
    const taken = limiter.take(addressBucket(ctx.state.clientAddress));
    if (taken.ok) return false;
    ctx.set('Retry-After', String(Math.ceil(taken.retryAfterMs / 1000)));
    json(ctx, 429, {
      error: 'rate_limited',
      retry_after_ms: taken.retryAfterMs,
      message: chrome(ctx).t('login.rate_limited'),
    });
    return true;
  };

  const availability: Middleware = async (ctx) => {
    if (!config.account.password_registration_enabled)
      return json(ctx, 404, { error: 'not_found', message: 'Registration is disabled.' });
    if (limited(ctx, limits.availability)) return;
    const t = chrome(ctx).t;
    const username = typeof ctx.query.username === 'string' ? ctx.query.username.trim() : '';
    if (!username)
      return json(ctx, 400, { available: false, reason: 'empty', message: t('register.username_empty') });
    const checked = await users.checkLocalpart(username);
    if (checked.ok) return json(ctx, 200, { available: true, message: t('register.username_available') });
    const unknown = checked.error.kind === 'homeserver_unavailable';
    const message = registerProblemMessage(t, checked.error);
    // `available: null`: the homeserver could not be asked, so nobody knows yet.
    json(ctx, 200, { available: unknown ? null : false, reason: checked.error.kind, message });
  };

  const strength: Middleware = async (ctx) => {
    const body = await readForm(ctx);
    if (!csrf.verify(ctx, body.csrf)) return sendProblemJson(ctx, chrome(ctx), { kind: 'form_expired' });
    if (limited(ctx, limits.strength)) return;
    const t = chrome(ctx).t;
    const inputs = (body.user_inputs ?? '').split('\n').slice(0, 10);
    const advice = passwordAdvice(t, body.password ?? '', config.passwords.minimumComplexity, inputs);
    json(ctx, 200, { score: advice.score, acceptable: advice.acceptable, message: advice.message });
  };

  return { availability, strength };
}
