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
    respondError(ctx, ctx.status, {
      errcode: 'M_UNRECOGNIZED',
      oauth: 'invalid_request',
      title: 'Method not allowed',
      message: `${ctx.method} is not supported at ${ctx.path}${ctx.response.get('Allow') ? `; use ${ctx.response.get('Allow')}` : ''}.`,
    });
  } else if (ctx.status === 404) {
    notFound(ctx);
  }
};

export function notFound(ctx: Parameters<Middleware>[0]): void {
  respondError(ctx, 404, {
    errcode: 'M_UNRECOGNIZED',
    oauth: 'not_found',
    title: 'Page not found',
    message: `There is nothing at ${ctx.path}.`,
  });
}
