import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import { publicPath } from './base-path.js';
import { translator } from './i18n.js';
import type { PageChrome } from './layout.js';

/** What every page needs to know of the request to frame itself: its language, above all. */
export type ChromeContext = Pick<Context, 'get'>;

/**
 * The one place a page's frame is put together (language, names, asset paths), for mxauth's routes and
 * the engine's pages alike.
 */
export function pageChrome(config: Config): (ctx: ChromeContext) => PageChrome {
  const assetsBase = publicPath(config.http.publicBase.pathname, '/assets/');
  return (ctx) => ({
    t: translator(ctx.get('accept-language')),
    serverName: config.matrix.homeserver,
    assetsBase,
  });
}
