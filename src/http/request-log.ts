import type { Context, Middleware } from 'koa';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { type RequestStats, runWithRequestStats } from '../observability/request-context.js';
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
    const matched = (ctx as { _matchedRoute?: string })._matchedRoute;
    logRequest(logger, metrics, {
      method: ctx.method,
      path: (ctx.state as Record<symbol, string | undefined>)[LOGGED_PATH] ?? ctx.path,
      route: matched ?? (status === 404 ? 'unmatched' : routeLabel(ctx.path)),
      status,
      started,
      stats,
      ip: () => ctx.state.clientAddress,
      error: ctx.state.error,
    });
  };
}

const LOGGED_PATH = Symbol('path written to the request log');

/**
 * Logs `path` for this request instead of the one requested: for routes whose path carries a credential
 * (a recovery link's token), which must never reach the log.
 */
export function logPathAs(ctx: Context, path: string): void {
  (ctx.state as Record<symbol, string>)[LOGGED_PATH] = path;
}

export interface RequestRecord {
  /** Failed requests (`error`) are always logged at error. */
  level?: 'info' | 'debug';
  method: string;
  path: string;
  route: string;
  status: number;
  started: bigint;
  stats: RequestStats;
  /** Resolved only when the line is written. */
  ip: () => string | undefined;
  error?: unknown;
}

/** The one log line and histogram sample of a request; shared by the Koa stack and the raw fast paths. */
export function logRequest(logger: Logger, metrics: Metrics, r: RequestRecord): void {
  const seconds = Number(process.hrtime.bigint() - r.started) / 1e9;
  metrics.observeRequest(r.method, r.route, r.status, seconds);
  metrics.dbQueries.inc(r.stats.dbQueries);
  const level = r.error ? 'error' : (r.level ?? 'info');
  if (!logger.isLevelEnabled(level)) return;
  const line = {
    method: r.method,
    path: r.path,
    route: r.route,
    status: r.status,
    duration_ms: Math.round(seconds * 100_000) / 100,
    db_ms: Math.round(r.stats.dbMs * 100) / 100,
    db_queries: r.stats.dbQueries,
    ip: r.ip(),
  };
  if (r.error) logger.error({ ...line, err: r.error }, 'request failed');
  else logger[level](line, 'request');
}

/** A metrics label for paths no router named: ids (long opaque segments) folded, so labels stay few. */
export function routeLabel(path: string): string {
  return path.replace(/\/[A-Za-z0-9_-]{16,}(?=\/|$)/g, '/:id');
}
