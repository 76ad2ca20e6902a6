import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import compose from 'koa-compose';
import type { ResourceName } from '../config/schema.js';
import { engineRouteMatcher } from '../oauth/engine-routes.js';
import { isEngineRoute, type Route } from '../routes.js';
import type { FastPath } from './app.js';
import { nameRoute } from './request-log.js';

/** Hands a request on an engine row to the engine, which answers it itself. */
export type EngineHandoff = (ctx: Context) => Promise<void>;

export interface MountedRoutes {
  /** The fast-path rows, for http/app.ts to answer before Koa. */
  fastPaths: readonly FastPath[];
  /** `before`, then the rows of `resources`: routers in table order, then the engine's rows. */
  middlewareFor(resources: ReadonlySet<ResourceName>): Middleware;
}

/**
 * Turns rows of src/routes.ts into what serves them: one koa-router Router for the middleware rows,
 * in table order, the exact-spelling matcher in front of the engine for the engine's rows, and the
 * fast paths. Built once per set of listener resources.
 */
export function mountRoutes(
  rows: readonly Route[],
  options: { before?: readonly Middleware[]; engine?: EngineHandoff } = {},
): MountedRoutes {
  const toEngine = options.engine && engineRows(rows, options.engine);
  const cache = new Map<string, Middleware>();
  return {
    fastPaths: rows.flatMap(({ methods, path, resource, handler }) =>
      typeof handler !== 'function' && handler.kind === 'fast'
        ? methods.map((method) => ({
            method,
            path,
            resource,
            quietWhenOk: handler.quietWhenOk,
            handle: handler.handle,
          }))
        : [],
    ),
    middlewareFor(resources) {
      const key = [...resources].sort().join(',');
      let middleware = cache.get(key);
      if (!middleware) {
        const parts = routers(rows.filter((row) => resources.has(row.resource)));
        if (toEngine) parts.push(toEngine(resources));
        middleware = compose([...(options.before ?? []), ...parts]);
        cache.set(key, middleware);
      }
      return middleware;
    },
  };
}

/** The middleware rows, registered in table order on one Router (its 405s answer a wrong method). */
function routers(rows: readonly Route[]): Middleware[] {
  const router = new Router();
  for (const row of rows)
    if (typeof row.handler === 'function') router.register(row.path, [...row.methods], row.handler);
  return [router.routes() as Middleware, router.allowedMethods() as Middleware];
}

/**
 * The engine's rows, after every router: only the engine's own spelling of a route reaches it (see
 * oauth/engine-routes.ts); a wrong method is 405 with Allow, any other spelling is not found.
 */
function engineRows(
  rows: readonly Route[],
  handoff: EngineHandoff,
): (resources: ReadonlySet<ResourceName>) => Middleware {
  const match = engineRouteMatcher(rows.filter(isEngineRoute));
  return (resources) => async (ctx, next) => {
    const route = match(ctx.path);
    if (!route || !resources.has(route.resource)) return next();
    nameRoute(ctx, route.path);
    if (!route.methods.includes(ctx.method)) {
      // Answered by `unanswered` (http/not-found.ts), as the routers' 405s are.
      ctx.status = 405;
      ctx.set('Allow', route.methods.join(', '));
      return;
    }
    await handoff(ctx);
  };
}
