import type { Config } from '../config/config.js';
import { BUILT_IN_FAVICON } from './assets.js';
import { publicPath } from './base-path.js';
import { lookOf } from './branding.js';
import { LANGUAGE_PARAMETER, languageCookieName, localTarget } from './language-switch.js';
import type { Frame, PageChrome } from './layout.js';

/**
 * What every page needs to know of the request to frame itself: its language (cookie, Accept-Language)
 * and its own address, for the language switch. Koa's context and the OAuth engine's both have these.
 */
export interface ChromeContext {
  get(field: string): string;
  method: string;
  path: string;
  querystring: string;
}

/**
 * The one place a page's frame is put together (language, names, branding, asset paths, the language
 * switch), for mxauth's routes and the engine's pages alike. The first call reads the override directory:
 * a broken one stops mxauth from starting (OverridesError).
 */
export function pageChrome(config: Config): (ctx: ChromeContext) => PageChrome {
  const look = lookOf(config);
  const root = config.http.publicBase.pathname;
  const assetsBase = publicPath(root, '/assets/');
  const stylesheets = [
    `${assetsBase}mxauth.css`,
    `${assetsBase}theme.css`,
    ...(look.overrides.customCss !== undefined ? [`${assetsBase}custom.css`] : []),
  ];
  const names = look.catalogs.names();
  const languageCookie = languageCookieName(config);
  const { branding } = look;

  return (ctx) => {
    const t = look.catalogs.translator(ctx.get('accept-language'), cookie(ctx.get('cookie'), languageCookie));
    const target = switchTarget(ctx, config);
    const frame: Frame = {
      serviceName: look.serviceName,
      logoSrc: look.logoSrc,
      faviconSrc: look.faviconSrc ?? publicPath(root, BUILT_IN_FAVICON),
      stylesheets,
      languages: names.map(({ language, name }) => ({
        language,
        name,
        href: withParameter(target, LANGUAGE_PARAMETER, language),
        current: language === t.language,
      })),
      footerLinks: [
        ...branding.footer_links.map((l) => ({ text: l.text, href: l.uri })),
        ...(branding.policy_uri ? [{ text: t('footer.privacy'), href: branding.policy_uri }] : []),
        ...(branding.tos_uri ? [{ text: t('footer.terms'), href: branding.tos_uri }] : []),
      ],
      imprint: branding.imprint,
      template: look.overrides.layout,
    };
    return { t, serverName: config.matrix.homeserver, assetsBase, home: publicPath(root, '/'), frame };
  };
}

/**
 * Where the language switch sends the browser: this page. A page answering a form post has no address
 * to reload, so the switch goes back to the page that held the form (the Referer, sent for same-origin
 * requests only), or to this path when there is none.
 */
function switchTarget(ctx: ChromeContext, config: Config): string {
  const root = config.http.publicBase.pathname;
  if (ctx.method === 'GET' || ctx.method === 'HEAD') return localTarget(root, ctx.path, ctx.querystring);
  const referer = ctx.get('referer');
  if (referer) {
    try {
      const from = new URL(referer);
      if (from.origin === config.http.publicBase.origin && from.pathname.startsWith(root))
        return localTarget('/', from.pathname, from.search.slice(1));
    } catch {
      // Not a URL: fall through to this path.
    }
  }
  return localTarget(root, ctx.path, '');
}

function withParameter(target: string, name: string, value: string): string {
  return `${target}${target.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`;
}

/**
 * One cookie's value from a Cookie header; undefined when absent. Read from the header because the
 * engine's cookie jar expects signed cookies, and this one is not a secret.
 */
function cookie(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
