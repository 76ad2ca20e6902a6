import type { IncomingMessage } from 'node:http';
import type { Context, Middleware } from 'koa';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { RepeatedLog } from '../observability/repeated-log.js';
import { type RequestStats, runWithRequestStats } from '../observability/request-context.js';
import { isDatabaseUnavailable } from '../storage/unavailable.js';
import type { ClientAddressResolver } from './client-address.js';
import { RequestProblemError, respondError } from './respond.js';

/**
 * Outermost middleware: finds the client address, turns anything thrown below into an answer in the
 * caller's format (never a stack trace), and writes one log line and one metric per request. The
 * query string is never logged: it can carry authorization codes and tokens.
 */
export function requestLog(logger: Logger, metrics: Metrics, addresses: ClientAddressResolver): Middleware {
  // A database that is down fails every request: one line a minute with a count, not a stack each time.
  const outage = new RepeatedLog(logger);
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
        // The connection ended before the answer (Node's 408, or the client went away): the body reader
        // failing is its consequence, not a server error, and there is nobody left to answer.
        const early = endedEarly(ctx.req);
        if (early !== undefined) {
          (ctx.state as Record<symbol, number>)[ENDED_EARLY] = early;
          return;
        }
        if (e instanceof RequestProblemError) {
          respondError(ctx, e.problem);
        } else if (isDatabaseUnavailable(e)) {
          outage.log(
            'error',
            'database',
            { error: (e as Error).message },
            'requests fail: the database is unavailable',
          );
          respondError(ctx, { kind: 'unavailable' });
        } else {
          ctx.state.error = e;
          respondError(ctx, { kind: 'internal' });
        }
      }
    });
    await result;
    // Only a request that queried the database shows it answers again (an asset request shows nothing).
    if (stats.dbQueries > 0 && ctx.status < 500)
      outage.resolved('database', 'requests reach the database again');
    // Responses handed to the OAuth engine are written by it, not by Koa. A request whose body did not
    // arrive in time got Node's 408, whatever the handler then tried to answer.
    const state = ctx.state as Record<symbol, string | undefined>;
    const early = (ctx.state as Record<symbol, number | undefined>)[ENDED_EARLY];
    const status =
      early ?? (cutOffByTimeout(ctx.req) ? 408 : ctx.respond === false ? ctx.res.statusCode : ctx.status);
    // Labels come from route templates only: a label per requested path would let anyone create
    // metric series without end (every /authorize/<anything> was one).
    const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? state[ROUTE_NAME] ?? UNMATCHED;
    logRequest(logger, metrics, {
      // Every page view fetches a few static files; served, they tell an operator nothing.
      level: status < 400 && route.startsWith(ASSET_ROUTES) ? 'debug' : 'info',
      method: ctx.method,
      path: state[LOGGED_PATH] ?? ctx.path,
      route,
      status,
      started,
      stats,
      ip: () => ctx.state.clientAddress,
      error: ctx.state.error,
    });
  };
}

const ASSET_ROUTES = '/assets/';
const LOGGED_PATH = Symbol('path written to the request log');
const ENDED_EARLY = Symbol('status of a request whose connection ended before its answer');
const ROUTE_NAME = Symbol('route template of a request no router matched');

/** The metrics and log label of every request that no route (or fast path) names. */
export const UNMATCHED = 'unmatched';

/**
 * Names the route template a request was served by, for requests that mxauth's routers did not match
 * (the OAuth engine's routes, whose router is the engine's own).
 */
export function nameRoute(ctx: Context, template: string): void {
  (ctx.state as Record<symbol, string>)[ROUTE_NAME] = template;
}

/**
 * Whether Node's request timeout (`server.requestTimeout`) cut this request off: it then answered 408
 * itself and destroyed the socket, and reading the body failed with a mere "aborted".
 */
export function cutOffByTimeout(req: IncomingMessage): boolean {
  return (req.socket.errored as NodeJS.ErrnoException | null)?.code === 'ERR_HTTP_REQUEST_TIMEOUT';
}

/**
 * For a request that failed because its connection ended before the answer, the status to log: 408 when
 * Node's request timeout cut it off, 499 (nginx's "client closed request") when the client hung up
 * mid-body. Undefined for every other failure, which is the server's.
 */
export function endedEarly(req: IncomingMessage): 408 | 499 | undefined {
  if (cutOffByTimeout(req)) return 408;
  return !req.complete && (req.destroyed || req.socket.destroyed) ? 499 : undefined;
}

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
