import type { Middleware } from 'koa';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { runWithRequestStats } from '../observability/request-context.js';
import type { ClientAddressResolver } from './client-address.js';
import { respondError } from './respond.js';

/**
 * Outermost middleware: finds the client address, turns anything thrown below into an answer in the
 * caller's format (never a stack trace), and writes one log line and one metric per request. The
 * query string is never logged: it can carry authorization codes and tokens.
 */
export function requestLog(logger: Logger, metrics: Metrics, addresses: ClientAddressResolver): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    ctx.state.clientAddress = addresses.resolve(
      ctx.req.socket.remoteAddress,
      ctx.get('x-forwarded-for') || undefined,
    );
    const { stats, result } = runWithRequestStats(async () => {
      try {
        await next();
      } catch (e) {
        const error = e as { status?: number; expose?: boolean; message?: string };
        if (error.expose && error.status && error.status < 500) {
          respondError(ctx, error.status, {
            errcode: error.status === 413 ? 'M_TOO_LARGE' : 'M_BAD_JSON',
            oauth: 'invalid_request',
            title: 'Bad request',
            message: error.message ?? 'The request is malformed.',
          });
        } else {
          ctx.state.error = e;
          respondError(ctx, 500, {
            errcode: 'M_UNKNOWN',
            oauth: 'server_error',
            title: 'Something went wrong',
            message: 'The server hit an unexpected error. It has been logged; please try again.',
          });
        }
      }
    });
    await result;
    // Responses handed to the OAuth engine are written by it, not by Koa.
    const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const route =
      (ctx as { _matchedRoute?: string })._matchedRoute ?? (ctx.status === 404 ? 'unmatched' : ctx.path);
    metrics.httpRequests.observe({ method: ctx.method, route, status: String(status) }, seconds);
    metrics.dbQueries.inc(stats.dbQueries);
    const line = {
      method: ctx.method,
      path: ctx.path,
      route,
      status,
      duration_ms: Math.round(seconds * 100_000) / 100,
      db_ms: Math.round(stats.dbMs * 100) / 100,
      db_queries: stats.dbQueries,
      ip: ctx.state.clientAddress,
    };
    if (ctx.state.error) logger.error({ ...line, err: ctx.state.error }, 'request failed');
    else logger.info(line, 'request');
  };
}
