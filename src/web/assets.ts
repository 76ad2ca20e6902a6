import { createHash } from 'node:crypto';
import Router from '@koa/router';
import { STYLESHEET } from './style.js';

const etag = `"${createHash('sha256').update(STYLESHEET).digest('base64url').slice(0, 16)}"`;

/** Static assets of the pages: one stylesheet, cacheable, revalidated by ETag. */
export function assetRoutes(): Router {
  const router = new Router();
  router.get('/assets/mxauth.css', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('ETag', etag);
    if (ctx.get('if-none-match') === etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'text/css';
    ctx.body = STYLESHEET;
  });
  return router;
}
