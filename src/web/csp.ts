import type { Context } from 'koa';

/**
 * Widens the Content-Security-Policy already set on this response (see security-headers.ts) by the
 * sources one page needs: the same-origin JSON checks its script makes, or a CAPTCHA provider's script
 * and frames. Every other page keeps the strict default.
 */
export function allowOnThisPage(ctx: Context, additions: Partial<Record<string, readonly string[]>>): void {
  const current = ctx.response.get('Content-Security-Policy');
  const directives = new Map<string, string[]>();
  for (const part of current.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  for (const [name, sources] of Object.entries(additions)) {
    if (!sources || sources.length === 0) continue;
    // An absent directive fell back to default-src: it starts from there, so nothing else is loosened.
    const existing = (directives.get(name) ?? directives.get('default-src') ?? []).filter(
      (s) => s !== "'none'",
    );
    directives.set(name, [...new Set([...existing, ...sources])]);
  }
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
