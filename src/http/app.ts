import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { ResourceName } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { runWithRequestStats } from '../observability/request-context.js';
import { ClientAddressResolver } from './client-address.js';
import { healthRoutes } from './health.js';
import { metricsRoutes } from './metrics-route.js';
import { notFound, unanswered } from './not-found.js';
import { logRequest, requestLog } from './request-log.js';

export interface AppDependencies {
  logger: Logger;
  metrics: Metrics;
  trustedProxies: string[];
  ping: () => Promise<void>;
  /** Routes served before Koa; absent until the services have started. */
  fastPaths?: () => readonly FastPath[] | undefined;
  /** The protocol and page routes for a set of resources; absent until the services have started. */
  surfaces?: () => ((resources: ReadonlySet<ResourceName>) => Middleware) | undefined;
}

/** A route answered by a plain Node handler in front of Koa, for hot paths (introspection). */
export interface FastPath {
  method: string;
  path: string;
  resource: ResourceName;
  /** Answers the request and returns the status it sent. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<number>;
}

export interface AppOptions {
  resources: ReadonlySet<ResourceName>;
  /** Served under this path prefix ('' for none). */
  prefix: string;
}

/** Which routes make up each listener resource; resources later issues add register here. */
function routersFor(resources: ReadonlySet<ResourceName>, deps: AppDependencies): Router[] {
  const routers: Router[] = [];
  if (resources.has('health')) routers.push(healthRoutes(deps.ping));
  if (resources.has('prometheus')) routers.push(metricsRoutes(deps.metrics.registry));
  return routers;
}

/** The Koa application for one listener: the resources it serves, behind logging and error handling. */
export function buildApp(deps: AppDependencies, options: AppOptions): Koa {
  const app = new Koa();
  // Errors are answered and logged by requestLog; Koa's own printing would double them.
  app.silent = true;
  app.on('error', () => {});
  app.use(requestLog(deps.logger, deps.metrics, new ClientAddressResolver(deps.trustedProxies)));
  if (options.prefix) app.use(stripPrefix(options.prefix));
  app.use(unanswered);
  for (const router of routersFor(options.resources, deps)) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
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
    const fast =
      deps.fastPaths && req.method
        ? findFastPath(deps.fastPaths(), options, req.method, req.url ?? '/')
        : undefined;
    if (!fast) {
      void koa(req, res);
      return;
    }
    const started = process.hrtime.bigint();
    const { stats, result } = runWithRequestStats(() => fast.handle(req, res));
    const record = (status: number, error?: unknown) =>
      logRequest(deps.logger, deps.metrics, {
        method: fast.method,
        path: fast.path,
        route: fast.path,
        status,
        started,
        stats,
        ip: addresses.resolve(req.socket.remoteAddress, req.headers['x-forwarded-for']),
        error,
      });
    result.then(
      (status) => record(status),
      (error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: 'server_error',
              error_description: 'The server hit an unexpected error.',
            }),
          );
        } else res.destroy();
        record(500, error);
      },
    );
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
