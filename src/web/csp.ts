import type { Context } from 'koa';

/**
 * Widens the Content-Security-Policy already set on this response (see security-headers.ts) by the
 * sources one page needs: the same-origin JSON checks its script makes, or a CAPTCHA provider's script
 * and frames. Every other page keeps the strict default.
 */
export function allowOnThisPage(ctx: Context, additions: Partial<Record<string, readonly string[]>>): void {
  const directives = policyOf(ctx);
  for (const [name, sources] of Object.entries(additions)) {
    if (!sources || sources.length === 0) continue;
    // An absent directive fell back to default-src: it starts from there, so nothing else is loosened.
    const existing = (directives.get(name) ?? directives.get('default-src') ?? []).filter(
      (s) => s !== "'none'",
    );
    directives.set(name, [...new Set([...existing, ...sources])]);
  }
  setPolicy(ctx, directives);
}

/**
 * Narrows this page's `img-src` to mxauth itself (and `data:`) plus the https origins of `images`: where
 * the default allows images from any https host (an admin's layout may show some), a page that shows a
 * third party's image (a client's logo on the consent page) allows that one origin and no other.
 */
export function onlyImagesFrom(ctx: Context, images: readonly (string | undefined)[]): void {
  const origins = images.flatMap((image) => {
    const url = image ? URL.parse(image) : null;
    return url?.protocol === 'https:' ? [url.origin] : [];
  });
  const directives = policyOf(ctx);
  directives.set('img-src', ["'self'", 'data:', ...new Set(origins)]);
  setPolicy(ctx, directives);
}

function policyOf(ctx: Context): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of ctx.response.get('Content-Security-Policy').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

function setPolicy(ctx: Context, directives: Map<string, string[]>): void {
  ctx.set(
    'Content-Security-Policy',
    [...directives].map(([name, sources]) => [name, ...sources].join(' ')).join('; '),
  );
}

/**
 * The `form-action` source that lets a form on this page end at a client's redirect URI: Chromium
 * applies `form-action` to every redirect after a submission, so the sign-in and consent forms (which
 * end at `redirect_uri?code=…` through the engine) and the engine's form_post and logout pages need the
 * client's own origin, or its private-use scheme for a native app (RFC 8252 §7.1). Nothing else is added.
 */
export function formTargetSource(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  const url = URL.parse(uri);
  if (!url) return undefined;
  if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
  // A scheme-source: letters, digits, + - . only (RFC 3986 §3.1), so nothing can break out of the header.
  return /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) ? url.protocol : undefined;
}

/** Lets the forms on this page end at this redirect URI (see formTargetSource). */
export function allowFormTarget(ctx: Context, uri: unknown): void {
  const source = formTargetSource(uri);
  if (source) allowOnThisPage(ctx, { 'form-action': ["'self'", source] });
}
