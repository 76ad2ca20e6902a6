import { createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { Config } from '../config/config.js';
import { publicPath } from './base-path.js';
import { lookOf } from './branding.js';
import { SCRIPT } from './script.js';
import { STYLESHEET } from './style.js';

/** Where the built-in icon is served, below public_base's path. */
export const BUILT_IN_FAVICON = '/assets/favicon.svg';

interface Asset {
  body: string | Buffer;
  type: string;
  etag: string;
  /** Built-in assets change with a release; an admin's change with a restart, so they are kept less long. */
  maxAge: number;
}

function asset(body: string | Buffer, type: string, maxAge: number): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, type, etag, maxAge };
}

/**
 * The pages' static assets, all built or read at start and held in memory: the stylesheet, the theme
 * made from the branding colours, the override directory's custom.css and images, and the script.
 * Cacheable, revalidated by ETag. Brand images are looked up by exact file name among those read at
 * start, so no request path ever reaches the file system.
 */
export interface AssetHandlers {
  stylesheet: Middleware;
  theme: Middleware;
  /** Absent without a custom.css in the override directory: the path is then not found. */
  customCss?: Middleware;
  script: Middleware;
  brandImage: Middleware;
  /** The built-in icon: a key on the default accent colour. */
  favicon: Middleware;
  /** `/favicon.ico`, which browsers and bookmarks ask for by themselves: the brand's icon, else mxauth's. */
  faviconIco: Middleware;
}

/** mxauth's own icon, used while the override directory has no favicon of its own. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0b5cad"/><circle cx="12" cy="16" r="5.5" fill="none" stroke="#fff" stroke-width="3"/><path d="M17.5 16H26v4M22 16v3" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>
`;

export function assetHandlers(config: Config): AssetHandlers {
  const look = lookOf(config);
  const serve =
    (found: Asset): Middleware =>
    (ctx) =>
      send(ctx, found);
  const images = new Map(
    [...look.overrides.images].map(([name, image]) => [name, asset(image.body, image.type, 300)]),
  );
  return {
    stylesheet: serve(asset(STYLESHEET, 'text/css; charset=utf-8', 3600)),
    theme: serve(asset(look.themeCss, 'text/css; charset=utf-8', 300)),
    ...(look.overrides.customCss === undefined
      ? {}
      : { customCss: serve(asset(look.overrides.customCss, 'text/css; charset=utf-8', 300)) }),
    script: serve(asset(SCRIPT, 'text/javascript; charset=utf-8', 3600)),
    favicon: serve(asset(FAVICON_SVG, 'image/svg+xml', 86_400)),
    faviconIco: (ctx) => {
      ctx.set('Cache-Control', 'public, max-age=86400');
      ctx.redirect(look.faviconSrc ?? publicPath(config.http.publicBase.pathname, BUILT_IN_FAVICON));
    },
    brandImage: (ctx) => {
      const found = images.get(ctx.params.file ?? '');
      if (!found) return;
      // An SVG opened on its own is a document of this origin: it gets no scripts and no forms.
      ctx.set(
        'Content-Security-Policy',
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
      );
      send(ctx, found);
    },
  };
}

function send(ctx: Context, found: Asset): void {
  ctx.set('Cache-Control', `public, max-age=${found.maxAge}`);
  ctx.set('ETag', found.etag);
  const presented = ctx.get('if-none-match');
  if (presented.split(',').some((tag) => tag.trim().replace(/^W\//, '') === found.etag)) {
    ctx.status = 304;
    return;
  }
  ctx.type = found.type;
  ctx.body = found.body;
}
