import type { Middleware } from 'koa';
import type { EnginePages } from './engine-pages.js';
import { ROUTES } from './provider.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A loopback redirect URI matches the registered one on any port (RFC 8252 §7.3), but port 0 is no port
 * a native app can listen on: a code sent there goes nowhere a client waits for it (or, on some systems,
 * to whatever grabbed a random port). Refused before the engine matches redirect URIs, and never redirected
 * to, so the answer is an error page (or JSON) here.
 */
export const refuseLoopbackPortZero =
  (pages: Pick<EnginePages, 'badRequest'>): Middleware =>
  async (ctx, next) => {
    // Only these spellings reach the engine (surfaces.ts: engineHandoff).
    if (ctx.path !== ROUTES.authorization && ctx.path !== ROUTES.pushed_authorization_request) return next();
    let redirect: unknown = ctx.query.redirect_uri;
    const body = (ctx.req as unknown as { body?: unknown }).body;
    if (redirect === undefined && Buffer.isBuffer(body) && ctx.is('application/x-www-form-urlencoded'))
      redirect = new URLSearchParams(body.toString('utf8')).get('redirect_uri') ?? undefined;
    if (typeof redirect !== 'string' || !portZero(redirect)) return next();
    const description = 'loopback redirect URIs must name the port the app listens on, not port 0';
    if (ctx.accepts('json', 'html') === 'html') return pages.badRequest(ctx as never, description);
    ctx.status = 400;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: 'invalid_request', error_description: description };
  };

function portZero(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && LOOPBACK.has(url.hostname) && url.port === '0';
  } catch {
    return false;
  }
}
