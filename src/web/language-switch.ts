import type { Middleware } from 'koa';
import type { Config } from '../config/config.js';
import { cookieName } from '../http/cookie-names.js';
import { publicPath } from './base-path.js';
import { lookOf } from './branding.js';

/** The language a person picked with the switch; it wins over Accept-Language. */
export const LANGUAGE_COOKIE = 'mxauth-lang';
/** The language cookie's name for this deployment (prefixed under https, see cookie-names.ts). */
export function languageCookieName(config: Config): string {
  return cookieName(
    LANGUAGE_COOKIE,
    config.http.publicBase.protocol === 'https:',
    config.http.publicBase.pathname,
  );
}
/** `?lang=de` on any page picks German and reloads that page. */
export const LANGUAGE_PARAMETER = 'lang';

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * The language switch without JavaScript: its links are this page's address plus `?lang=<tag>`. A GET
 * with a language mxauth serves stores it in a cookie and redirects to the same address without the
 * parameter (other parameters kept), so the page reloads in that language and its address stays clean.
 */
export function languageSwitch(config: Config): Middleware {
  const languages = lookOf(config).catalogs.languages;
  const root = config.http.publicBase.pathname;
  const secure = config.http.publicBase.protocol === 'https:';
  return async (ctx, next) => {
    const wanted = ctx.query[LANGUAGE_PARAMETER];
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || typeof wanted !== 'string') return next();
    const language = wanted.toLowerCase();
    if (!languages.includes(language)) return next();
    ctx.cookies.set(languageCookieName(config), language, {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: root,
      maxAge: ONE_YEAR_MS,
      signed: false,
      overwrite: true,
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 303;
    ctx.redirect(localTarget(root, ctx.path, ctx.querystring));
  };
}

/**
 * The public address of a path of mxauth with its query, without the language parameter. Leading
 * slashes (and backslashes, which browsers read as slashes) are collapsed: `//evil.example/` must stay a
 * path here, not become an address on another host.
 */
export function localTarget(root: string, path: string, querystring: string): string {
  // Other parameters are kept byte for byte: re-encoding could change what an OAuth request says.
  const query = querystring
    .split('&')
    .filter((part) => part !== '' && part.split('=', 1)[0] !== LANGUAGE_PARAMETER)
    .join('&');
  const local = publicPath(root, `/${path.replace(/^[/\\]+/, '')}`);
  return `${local.replace(/^[/\\]+/, '/')}${query ? `?${query}` : ''}`;
}
