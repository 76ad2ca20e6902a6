import type { Middleware } from 'koa';
import { respondError } from './respond.js';

/**
 * Wraps the routes: whatever they left unanswered becomes a 404 (no such path) or a 405 (path exists,
 * method does not; the router has set `Allow`) in the caller's format.
 */
export const unanswered: Middleware = async (ctx, next) => {
  await next();
  if (ctx.body !== undefined && ctx.body !== null) return;
  if (ctx.status === 405 || ctx.status === 501) {
    const status = ctx.status;
    respondError(ctx, { kind: 'method_not_allowed', allow: ctx.response.get('Allow') });
    // 501: the router knows no such method at all (an extension method); the caller still learns why.
    ctx.status = status;
  } else if (ctx.status === 404) {
    notFound(ctx);
  }
};

export function notFound(ctx: Parameters<Middleware>[0]): void {
  respondError(ctx, { kind: 'not_found' });
}
