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
