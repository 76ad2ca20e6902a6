import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import Koa, { type Middleware } from 'koa';
import type { ResourceName } from '../config/schema.js';
import { contextGate } from '../observability/context-gate.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RequestStats } from '../observability/request-context.js';
import { type AlwaysOnHandlers, alwaysOnRoutes } from '../routes.js';
import { ClientAddressResolver } from './client-address.js';
import { writeOAuthError } from './errors/oauth.js';
import { healthHandler } from './health.js';
import { metricsHandler } from './metrics-route.js';
import { notFound, unanswered } from './not-found.js';
import { drainAfterAnswer } from './read-body.js';
import { cutOffByTimeout, endedEarly, logRequest, requestLog } from './request-log.js';
import { type ProblemPages, useProblemPages } from './respond.js';
import { mountRoutes } from './route-mount.js';

export interface AppDependencies {
  logger: Logger;
  metrics: Metrics;
  trustedProxies: string[];
  ping: () => Promise<void>;
  /** Routes served before Koa; absent until the services have started. */
  fastPaths?: () => readonly FastPath[] | undefined;
  /** Branded pages for the problems answered outside any endpoint (404, 500, 503); plain ones without. */
  problemPages?: ProblemPages;
  /** The protocol and page routes for a set of resources; absent until the services have started. */
  surfaces?: () => ((resources: ReadonlySet<ResourceName>) => Middleware) | undefined;
}

/**
 * A route answered by a plain Node handler in front of Koa, for hot paths (introspection). It is written
 * with callbacks, not promises: once any request context (AsyncLocalStorage) is live, which the engine
 * and the pages make it, every promise pays for async hooks, and on this path that cost was a third of
 * the request rate.
 */
export interface FastPath {
  method: string;
  path: string;
  resource: ResourceName;
  /**
   * Successful answers are logged at debug rather than info: a homeserver introspects for nearly every
   * request it serves, and its own access log already has a line for each. Failures stay at info.
   */
  quietWhenOk?: boolean;
  handle: FastPathHandle;
}

/** Answers the request, then calls `done` once with the status it sent (or the error that stopped it). */
export type FastPathHandle = (
  req: IncomingMessage,
  res: ServerResponse,
  stats: RequestStats,
  done: FastPathDone,
) => void;

export type FastPathDone = (status: number, error?: unknown) => void;

export interface AppOptions {
  resources: ReadonlySet<ResourceName>;
  /** Served under this path prefix ('' for none). */
  prefix: string;
}

/** The handlers of the rows of `alwaysOnRoutes` (src/routes.ts), which need no services. */
export function alwaysOnHandlers(deps: Pick<AppDependencies, 'ping' | 'metrics'>): AlwaysOnHandlers {
  return { health: healthHandler(deps.ping), metrics: metricsHandler(deps.metrics.registry) };
}

/** The Koa application for one listener: the resources it serves, behind logging and error handling. */
export function buildApp(deps: AppDependencies, options: AppOptions): Koa {
  const app = new Koa();
  // Errors are answered and logged by requestLog; Koa's own printing would double them.
  app.silent = true;
  app.on('error', () => {});
  if (deps.problemPages) useProblemPages(app, deps.problemPages);
  app.use(requestLog(deps.logger, deps.metrics, new ClientAddressResolver(deps.trustedProxies)));
  if (options.prefix) app.use(stripPrefix(options.prefix));
  app.use(unanswered);
  // Health and metrics answer before the services start, so they are mounted from deps, not surfaces.
  app.use(mountRoutes(alwaysOnRoutes(alwaysOnHandlers(deps))).middlewareFor(options.resources));
  if (deps.surfaces) {
    const surfaces = deps.surfaces;
    app.use((ctx, next) => {
      const forResources = surfaces();
      return forResources ? forResources(options.resources)(ctx, next) : next();
    });
  }
  return app;
}

function stripPrefix(prefix: string): Middleware {
  return async (ctx, next) => {
    if (ctx.path === prefix || ctx.path.startsWith(`${prefix}/`)) {
      ctx.path = ctx.path.slice(prefix.length) || '/';
      await next();
    } else {
      notFound(ctx);
    }
  };
}

/**
 * The request handler of one listener: fast paths first (with the same log line and metrics as every
 * request), then the Koa application.
 */
export function buildHandler(deps: AppDependencies, options: AppOptions): RequestListener {
  const koa = buildApp(deps, options).callback();
  const addresses = new ClientAddressResolver(deps.trustedProxies);
  return (req, res) => {
    drainAfterAnswer(req, res);
    const fast =
      deps.fastPaths && req.method
        ? findFastPath(deps.fastPaths(), options, req.method, req.url ?? '/')
        : undefined;
    if (!fast) {
      // The Koa stack and the engine in it enter request contexts; the fast paths never read one.
      contextGate.track(koa(req, res));
      return;
    }
    const started = process.hrtime.bigint();
    // No request context here: the hot path counts its own database time into `stats`.
    const stats: RequestStats = { dbMs: 0, dbQueries: 0 };
    let finished = false;
    const done: FastPathDone = (status, error) => {
      if (finished) return;
      finished = true;
      // Node answered 408, or the client hung up mid-body: the body reader's "aborted" is no server error.
      const early = error === undefined ? (cutOffByTimeout(req) ? 408 : undefined) : endedEarly(req);
      if (early !== undefined) {
        status = early;
        error = undefined;
      }
      if (error !== undefined) {
        if (!res.headersSent) writeOAuthError(res, { kind: 'internal' });
        else res.destroy();
      }
      logRequest(deps.logger, deps.metrics, {
        level: fast.quietWhenOk && status < 400 ? 'debug' : 'info',
        method: fast.method,
        path: fast.path,
        route: fast.path,
        status: error === undefined ? status : 500,
        started,
        stats,
        ip: () => addresses.resolve(req.socket.remoteAddress, req.headers['x-forwarded-for']),
        error,
      });
    };
    try {
      fast.handle(req, res, stats, done);
    } catch (error) {
      done(500, error);
    }
  };
}

function findFastPath(
  paths: readonly FastPath[] | undefined,
  options: AppOptions,
  method: string,
  url: string,
): FastPath | undefined {
  if (!paths) return undefined;
  const query = url.indexOf('?');
  let path = query === -1 ? url : url.slice(0, query);
  if (options.prefix) {
    if (!path.startsWith(`${options.prefix}/`)) return undefined;
    path = path.slice(options.prefix.length);
  }
  return paths.find((p) => p.method === method && p.path === path && options.resources.has(p.resource));
}
