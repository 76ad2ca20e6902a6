import type { Middleware } from 'koa';

/** A reason `/health` may show as it is (it names no secret): the database answers but cannot be used. */
export class HealthProblem extends Error {}

/**
 * `GET /health`: 200 when the database answers within a second with the schema this code expects, 503
 * otherwise (the database away, or migrations pending or from a newer version: a server on the wrong
 * schema answers errors to what touches the changed tables); for load balancers and orchestrators.
 */
export function healthHandler(ping: () => Promise<void>): Middleware {
  return async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await withTimeout(ping(), 1000);
      ctx.body = { status: 'ok' };
    } catch (e) {
      ctx.status = 503;
      ctx.body = {
        status: 'unavailable',
        reason: e instanceof HealthProblem ? e.message : 'the database does not answer',
      };
    }
  };
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
