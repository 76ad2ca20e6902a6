import { createHash } from 'node:crypto';
import { cryptoRng, randomAlphanumeric } from '../domain/random.js';
import { describeAnswer, field, probe } from './http-probe.js';

/**
 * A native Matrix client, scripted over HTTP: it registers itself (MSC2966), runs the authorization code
 * flow with PKCE through mxauth's own pages as a person's browser would (the login form, then consent)
 * and redeems the code (MSC2964). Nothing here is mxauth-internal: only the endpoints the discovery
 * document names and the forms the pages serve.
 */
export interface AuthServerMetadata {
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint: string;
  revocation_endpoint: string;
}

/** Loopback, registered without a port (RFC 8252 §7.3): nothing listens there, the code is read off the redirect. */
const REDIRECT_URI = 'http://127.0.0.1/mxauth-doctor/callback';

export type Step<T> = { ok: true; value: T } | { ok: false; detail: string; fix: string };

export async function registerTestClient(
  metadata: AuthServerMetadata,
  timeoutMs: number,
): Promise<Step<string>> {
  const answer = await probe(metadata.registration_endpoint, timeoutMs, {
    json: {
      client_name: 'mxauth doctor',
      client_uri: 'https://mxauth-doctor.invalid/',
      application_type: 'native',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
  });
  const clientId = answer.ok ? field(answer.json, 'client_id') : undefined;
  if (answer.ok && answer.status === 201 && typeof clientId === 'string')
    return { ok: true, value: clientId };
  const why = answer.ok ? field(answer.json, 'error_description') : undefined;
  return {
    ok: false,
    detail: `registration at ${metadata.registration_endpoint}: ${describeAnswer(answer)}${typeof why === 'string' ? ` (${why})` : ''}`,
    fix: 'dynamic client registration must be open to Matrix clients: route /oauth2/registration to mxauth',
  };
}

/** Signs in as `user` through the pages and returns the access token the client receives. */
export async function signIn(
  metadata: AuthServerMetadata,
  clientId: string,
  user: { localpart: string; password: string },
  timeoutMs: number,
): Promise<Step<string>> {
  const verifier = randomAlphanumeric(cryptoRng, 64);
  const state = randomAlphanumeric(cryptoRng, 16);
  const device = randomAlphanumeric(cryptoRng, 10);
  const authorize = new URL(metadata.authorization_endpoint);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: `openid urn:matrix:client:api:* urn:matrix:client:device:${device}`,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const browser = new Browser(timeoutMs);
  const failed = (detail: string, fix: string): Step<string> => ({ ok: false, detail, fix });
  let page = await browser.open(authorize.href);
  if (!page.ok)
    return failed(
      `GET ${authorize.origin}${authorize.pathname}: ${page.reason}`,
      'is mxauth running at the authorization endpoint?',
    );
  if (!page.redirect) {
    const login = formWith(page.html, 'name="password"');
    if (!login)
      return failed(
        `GET /authorize gave no login form (${page.status} at ${page.url})`,
        'password sign-in must be enabled (passwords.enabled) for the test user',
      );
    page = await browser.submit(page.url, login, { username: user.localpart, password: user.password });
    if (!page.ok) return failed(`the login form: ${page.reason}`, 'is mxauth running?');
  }
  if (!page.redirect && formWith(page.html, 'name="password"')) {
    const error = /<p class="error"[^>]*>([^<]*)<\/p>/.exec(page.html)?.[1];
    return failed(
      `${user.localpart} could not sign in${error ? `: ${error}` : ''}`,
      `check the test user's password (read from standard input), or create it: mxauth manage register-user ${user.localpart}`,
    );
  }
  if (!page.redirect) {
    const consent = formWith(page.html, 'value="allow"');
    if (!consent)
      return failed(
        `after the login form, neither consent nor the client (${page.status} at ${page.url})`,
        'sign in once in a browser as the test user and accept what the pages ask (terms, e-mail)',
      );
    page = await browser.submit(page.url, consent, { decision: 'allow' });
    if (!page.ok) return failed(`the consent form: ${page.reason}`, 'is mxauth running?');
  }
  if (!page.redirect)
    return failed(
      `consent did not return to the client (${page.status} at ${page.url})`,
      'sign in once in a browser as the test user and see what the pages ask',
    );
  const back = new URL(page.url);
  const code = back.searchParams.get('code');
  if (!code || back.searchParams.get('state') !== state)
    return failed(
      `the client got ${back.searchParams.get('error') ?? 'no code'} at its redirect URI`,
      "see mxauth's log for the authorization request",
    );
  const token = await probe(metadata.token_endpoint, timeoutMs, {
    form: {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: clientId,
    },
  });
  const accessToken = token.ok ? field(token.json, 'access_token') : undefined;
  if (!token.ok || token.status !== 200 || typeof accessToken !== 'string')
    return failed(
      `POST ${metadata.token_endpoint}: ${describeAnswer(token)}`,
      'route the token endpoint to mxauth',
    );
  return { ok: true, value: accessToken };
}

/** Revokes the token as the client does on sign-out (RFC 7009, a public client names itself). */
export async function revoke(
  metadata: AuthServerMetadata,
  clientId: string,
  token: string,
  timeoutMs: number,
): Promise<Step<void>> {
  const answer = await probe(metadata.revocation_endpoint, timeoutMs, {
    form: { token, token_type_hint: 'access_token', client_id: clientId },
  });
  if (answer.ok && answer.status === 200) return { ok: true, value: undefined };
  return {
    ok: false,
    detail: `POST ${metadata.revocation_endpoint}: ${describeAnswer(answer)}`,
    fix: 'route the revocation endpoint to mxauth',
  };
}

interface Form {
  action: string;
  hidden: Record<string, string>;
}

/** The first form on the page containing `marker` (an attribute of one of its fields), with its hidden fields. */
function formWith(html: string, marker: string): Form | undefined {
  for (const [, attributes, inner] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    if (!inner!.includes(marker)) continue;
    const hidden: Record<string, string> = {};
    for (const [, input] of inner!.matchAll(/<input\b([^>]*)>/g))
      if (attr(input!, 'type') === 'hidden') hidden[attr(input!, 'name') ?? ''] = attr(input!, 'value') ?? '';
    return { action: attr(attributes!, 'action') ?? '', hidden };
  }
  return undefined;
}

function attr(tag: string, name: string): string | undefined {
  const value = new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
  return value
    ?.replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

type Visit =
  | { ok: true; redirect: false; url: string; status: number; html: string }
  | { ok: true; redirect: true; url: string }
  | { ok: false; reason: string };

/** Cookies and redirects as a browser keeps them, up to the redirect to the client, which it does not follow. */
class Browser {
  readonly #cookies = new Map<string, string>();
  constructor(readonly timeoutMs: number) {}

  open(url: string): Promise<Visit> {
    return this.#follow(url, undefined);
  }

  submit(pageUrl: string, form: Form, fields: Record<string, string>): Promise<Visit> {
    return this.#follow(new URL(form.action || pageUrl, pageUrl).href, { ...form.hidden, ...fields });
  }

  async #follow(start: string, form: Record<string, string> | undefined): Promise<Visit> {
    let url = start;
    let body: Record<string, string> | undefined = form;
    for (let hops = 0; hops < 20; hops++) {
      if (url.startsWith(`${REDIRECT_URI}?`)) return { ok: true, redirect: true, url };
      const answer = await probe(url, this.timeoutMs, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { accept: 'text/html', cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
        ...(body === undefined ? {} : { form: body }),
      });
      if (!answer.ok) return answer;
      for (const header of answer.headers.getSetCookie()) {
        const [pair = ''] = header.split(';');
        const eq = pair.indexOf('=');
        const value = pair.slice(eq + 1).trim();
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header))
          this.#cookies.delete(pair.slice(0, eq).trim());
        else this.#cookies.set(pair.slice(0, eq).trim(), value);
      }
      const location = answer.headers.get('location');
      if (answer.status >= 300 && answer.status < 400 && location) {
        url = new URL(location, url).href;
        body = undefined;
        continue;
      }
      return { ok: true, redirect: false, url, status: answer.status, html: answer.text };
    }
    return { ok: false, reason: 'too many redirects' };
  }
}
