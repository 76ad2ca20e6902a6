import type { Middleware } from 'koa';

/**
 * Headers for every HTML page: a strict Content-Security-Policy (own stylesheets and script, no inline
 * code but the engine's hashed form_post script, https images for client logos, forms posted to mxauth
 * only), no framing, no sniffing. Set before the engine renders, because it adds its form_post script hash to an existing
 * policy only; a page that needs more (a CAPTCHA provider) widens it for itself (csp.ts).
 *
 * Referrers go to mxauth itself only: the language switch on a page that answered a form post reloads
 * the page that held the form, which it learns from the Referer; other sites learn nothing.
 */
export const securityHeaders: Middleware = async (ctx, next) => {
  ctx.set(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; script-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'same-origin');
  await next();
};
