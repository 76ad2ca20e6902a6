import type { Middleware } from 'koa';
import type { Registry } from 'prom-client';

/** `GET /metrics` in Prometheus text format. */
export function metricsHandler(registry: Registry): Middleware {
  return async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  };
}
