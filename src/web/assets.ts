import { createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { Config } from '../config/config.js';
import { lookOf } from './branding.js';
import { SCRIPT } from './script.js';
import { STYLESHEET } from './style.js';

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
}

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
