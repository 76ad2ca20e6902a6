/**
 * A minimal browser for driving the HTML pages over HTTP: keeps cookies, follows redirects within the
 * server (and to the origins given to `followAlso`, such as an upstream IdP), stops at the first redirect
 * elsewhere (the client's redirect URI), and submits forms with their hidden fields (CSRF tokens
 * included), as a person's browser would.
 */
export class FormBrowser {
  /** The cookies of the browser's own server (its origin); other origins' are in `cookiesOf`. */
  readonly cookies = new Map<string, string>();
  /** One jar per origin, so an upstream IdP's cookies and mxauth's never mix (both run on 127.0.0.1). */
  readonly #jars = new Map<string, Map<string, string>>();
  readonly #alsoFollow = new Set<string>();

  constructor(
    readonly origin: string,
    readonly headers: Record<string, string> = {},
  ) {
    this.#jars.set(new URL(origin).origin, this.cookies);
  }

  /** Follows redirects to `origin` too (an upstream IdP's sign-in), instead of stopping there. */
  followAlso(origin: string): this {
    this.#alsoFollow.add(new URL(origin).origin);
    return this;
  }

  /** The cookies kept for `origin` (the own origin's are `cookies`). */
  cookiesOf(origin: string): Map<string, string> {
    const key = new URL(origin).origin;
    let jar = this.#jars.get(key);
    if (!jar) {
      jar = new Map();
      this.#jars.set(key, jar);
    }
    return jar;
  }

  async get(url: string): Promise<Page> {
    return this.#follow(new URL(url, this.origin).href, { method: 'GET' });
  }

  /** Submits the page's form (the one whose action matches, or the first) with its hidden fields and `fields`. */
  async submit(page: Page, fields: Record<string, string>, actionContains?: string): Promise<Page> {
    const forms = [...page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
    const form =
      forms.find((f) => !actionContains || attr(f[1]!, 'action')?.includes(actionContains)) ?? forms[0];
    if (!form) throw new Error(`no form on ${page.url}:\n${page.html}`);
    const action = new URL(decode(attr(form[1]!, 'action') ?? page.url), page.url).href;
    const body = new URLSearchParams();
    for (const input of form[2]!.matchAll(/<input\b([^>]*)>/g)) {
      if (attr(input[1]!, 'type') === 'hidden')
        body.set(attr(input[1]!, 'name')!, decode(attr(input[1]!, 'value') ?? ''));
    }
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    return this.#follow(action, {
      method: 'POST',
      body: body.toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
  }

  async #follow(url: string, init: { method: string; body?: string; contentType?: string }): Promise<Page> {
    let current = url;
    let request = init;
    for (let hops = 0; hops < 20; hops++) {
      const jar = this.cookiesOf(current);
      const response = await fetch(current, {
        method: request.method,
        redirect: 'manual',
        body: request.body,
        headers: {
          ...this.headers,
          ...(request.contentType ? { 'content-type': request.contentType } : {}),
          cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        },
      });
      for (const header of response.headers.getSetCookie()) {
        const [pair] = header.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) jar.delete(name);
        else jar.set(name, value);
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, current).href;
        if (!next.startsWith(this.origin) && !this.#alsoFollow.has(new URL(next).origin))
          return { url: next, status: response.status, html: '', external: true, headers: response.headers };
        current = next;
        request = { method: 'GET' };
        continue;
      }
      return {
        url: current,
        status: response.status,
        html: await response.text(),
        external: false,
        headers: response.headers,
      };
    }
    throw new Error('too many redirects');
  }
}

let browsers = 0;

/**
 * A browser with an address of its own (through X-Forwarded-For, which mxauth believes from loopback),
 * so the per-IP sign-in limit one test runs into never affects another.
 */
export function newBrowser(base: string, headers: Record<string, string> = {}): FormBrowser {
  browsers++;
  return new FormBrowser(base, {
    'x-forwarded-for': `198.19.${Math.floor(browsers / 250)}.${(browsers % 250) + 1}`,
    ...headers,
  });
}

export interface Page {
  url: string;
  status: number;
  html: string;
  /** True when the last response redirected away from the server (to the client). */
  external: boolean;
  headers: Headers;
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
}

function decode(value: string): string {
  return value
    .replaceAll('&amp;', '&')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>');
}
