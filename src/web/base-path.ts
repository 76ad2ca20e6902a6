import type { Context } from 'koa';

/*
 * mxauth may be published under a path (public_base `https://example.org/auth/`). Routes are matched on
 * paths relative to it (the listener strips its prefix, or the proxy does), while every URL and cookie
 * path mxauth hands a browser is absolute: the public root ('/' or '/auth/') followed by the route.
 */

const ROOT = Symbol('mxauth public root');

/** Records the public root ('/' or '/auth/', with its trailing slash) for this request. */
export function setPublicRoot(ctx: Context, root: string): void {
  (ctx.state as Record<symbol, string>)[ROOT] = root;
}

/** The public root recorded for this request: '/' unless set. */
export function publicRoot(ctx: Context): string {
  return (ctx.state as Record<symbol, string | undefined>)[ROOT] ?? '/';
}

/** The public path of a route: `publicPath('/auth/', '/account/')` is `/auth/account/`. */
export function publicPath(root: string, route: string): string {
  return `${root}${route.replace(/^\//, '')}`;
}
