import type Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { ResourceName } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { ClientAddressResolver } from './client-address.js';
import { healthRoutes } from './health.js';
import { metricsRoutes } from './metrics-route.js';
import { notFound, unanswered } from './not-found.js';
import { requestLog } from './request-log.js';

export interface AppDependencies {
  logger: Logger;
  metrics: Metrics;
  trustedProxies: string[];
  ping: () => Promise<void>;
  /** The protocol and page routes for a set of resources; absent until the services have started. */
  surfaces?: () => ((resources: ReadonlySet<ResourceName>) => Middleware) | undefined;
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
