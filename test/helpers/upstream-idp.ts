import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import Provider, { type Adapter, type AdapterPayload, type Configuration } from 'oidc-provider';

/**
 * An upstream OpenID Connect identity provider for mxauth's tests to sign in through: a real
 * `oidc-provider` on a loopback port, over plain http, with one OIDC client, one plain OAuth 2.0 client
 * (as GitHub is, with a GitHub-like `/api/user`), sign-in without a form (`signInAs`), and fault modes.
 */

export interface IdpAccount {
  sub: string;
  /** preferred_username, name, email, email_verified, groups (string[]), ... */
  claims: Record<string, unknown>;
}

export interface UpstreamIdpOptions {
  /** Redirect URIs of the two registered clients (mxauth's callback URLs); may be set later via setRedirectUris. */
  redirectUris?: string[];
  /** Back-channel logout URI registered for the OIDC client; may be set later via setBackchannelLogoutUri. */
  backchannelLogoutUri?: string;
}

export type IdpMode = 'ok' | 'down' | 'garbage' | 'slow';

export interface UpstreamIdp {
  /** http://127.0.0.1:PORT, no trailing slash. */
  issuer: string;
  origin: string;
  /** client_secret_basic; scopes openid profile email groups; authorization_code (+ refresh_token); PKCE optional. */
  oidcClient: { clientId: string; clientSecret: string };
  /** client_secret_post, used without the openid scope (no ID token), as GitHub is. */
  oauthClient: { clientId: string; clientSecret: string };
  /** For a discovery-disabled configuration. */
  endpoints: {
    authorization: string;
    token: string;
    jwks: string;
    userinfo: string;
    endSession: string;
    githubUser: string;
  };
  /** Replaces both clients' redirect URIs (also registered as the OIDC client's post-logout redirect URIs). */
  setRedirectUris(uris: string[]): void;
  /** Sets the OIDC client's back-channel logout URI; undefined goes back to the IdP's own sink. */
  setBackchannelLogoutUri(uri: string | undefined): void;
  /** Adds or replaces an account (by sub). */
  setAccount(account: IdpAccount): void;
  /** Who every interaction at the IdP signs in as from now on, without a form; undefined shows the form. */
  signInAs(sub: string | undefined): void;
  /** Fault mode of the token endpoint and discovery. `slow` answers after `ms` (default 30 s). */
  setMode(mode: IdpMode, ms?: number): void;
  /** A signed OpenID Connect Back-Channel Logout 1.0 logout token. */
  logoutToken(input: {
    sub?: string;
    sid?: string;
    overrides?: Record<string, unknown>;
    sign?: 'idp' | 'other-key';
  }): Promise<string>;
  /** The `sid` of the last completed sign-in of `sub` at the OIDC client, as its ID token carries it. */
  lastSid(sub: string): string | undefined;
  /** A signed ID token with sensible claims (iss, aud = OIDC client, sub, iat, exp), `claims` merged over them. */
  idToken(claims: Record<string, unknown> & { sub: string }, sign?: 'idp' | 'other-key'): Promise<string>;
  /** Logout tokens delivered to the IdP's own sink (when no back-channel logout URI is set). */
  readonly sinkedLogoutTokens: string[];
  stop(): Promise<void>;
}

export const OIDC_CLIENT = { clientId: 'mxauth-oidc', clientSecret: 'oidc-secret' } as const;
export const OAUTH_CLIENT = { clientId: 'mxauth-oauth', clientSecret: 'oauth-secret' } as const;

const ROUTES = {
  authorization: '/auth',
  token: '/token',
  jwks: '/jwks',
  userinfo: '/me',
  end_session: '/session/end',
} as const;
const DISCOVERY = '/.well-known/openid-configuration';
const GITHUB_USER = '/api/user';
const SINK = '/backchannel-sink';
const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** GitHub's numeric user id for `sub`: a number (as GitHub's is), stable for the same sub. */
export function githubIdFor(sub: string): number {
  if (/^[1-9]\d{0,14}$/.test(sub)) return Number(sub);
  return createHash('sha256').update(sub).digest().readUIntBE(0, 6);
}

export async function startUpstreamIdp(options: UpstreamIdpOptions = {}): Promise<UpstreamIdp> {
  const accounts = new Map<string, IdpAccount>();
  const lastSids = new Map<string, string>();
  const sinkedLogoutTokens: string[] = [];
  const pendingTimers = new Set<NodeJS.Timeout>();
  let redirectUris = options.redirectUris ?? [];
  let backchannelLogoutUri = options.backchannelLogoutUri;
  let signedInAs: string | undefined;
  let mode: IdpMode = 'ok';
  let slowMs = 30_000;

  const { privateKey, jwk } = await signingKey('upstream-idp');
  // Same kid as the IdP's key: a forgery that claims to be signed by it, caught only by the signature.
  const other = await signingKey('upstream-idp');

  // The port comes first: the issuer (and so the Provider) needs it.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = origin;

  // Clients come from the adapter rather than the static `clients` list, which the Provider reads once:
  // a changed metadata object makes it build the client anew, so redirect URIs can be set after start.
  const clientMetadata = (id: string): AdapterPayload | undefined => {
    if (id === OIDC_CLIENT.clientId)
      return {
        client_id: OIDC_CLIENT.clientId,
        client_secret: OIDC_CLIENT.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: redirectUris,
        post_logout_redirect_uris: redirectUris,
        // Without a back-channel logout URI and session_required, oidc-provider puts no `sid` in ID
        // tokens; the IdP's own sink stands in until a test sets mxauth's.
        backchannel_logout_uri: backchannelLogoutUri ?? `${origin}${SINK}`,
        backchannel_logout_session_required: true,
      };
    if (id === OAUTH_CLIENT.clientId)
      return {
        client_id: OAUTH_CLIENT.clientId,
        client_secret: OAUTH_CLIENT.clientSecret,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: redirectUris,
      };
    return undefined;
  };
  const store = new MemoryStore();

  const configuration: Configuration = {
    adapter: (name: string) => (name === 'Client' ? new ClientAdapter(clientMetadata) : store.adapter(name)),
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomUUID()] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // GitHub's scopes, so the plain OAuth client can ask for them as mxauth's github preset does.
    scopes: ['openid', 'offline_access', 'read:user', 'user:email'],
    // The profile, email and groups claims in the ID token too, as many IdPs put them.
    conformIdTokenClaims: false,
    findAccount: async (_ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ ...account.claims, sub: id }) };
    },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = `<!DOCTYPE html><html><body>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button></body></html>`;
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = '<!DOCTYPE html><html><body>Signed out</body></html>';
        },
      },
    },
    // Default: PKCE forced for public clients; the plain OAuth client (like GitHub) sends none.
    pkce: { required: () => false },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    routes: ROUTES,
    // Short but sane: long enough for a slow test, short enough that nothing lingers.
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      BackchannelAuthenticationRequest: 60,
      ClientCredentials: 600,
      DeviceCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      RefreshToken: 3600,
      Session: 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html><body><pre>${escapeHtml(JSON.stringify(out))}</pre></body></html>`;
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.proxy = false;
  provider.on('authorization_code.saved', (code) => {
    if (code.sid && code.accountId && code.clientId === OIDC_CLIENT.clientId)
      lastSids.set(code.accountId, code.sid);
  });
  provider.on('server_error', (_ctx, error) => console.error('upstream IdP server_error', error));
  const callback = provider.callback();

  const finish = async (req: IncomingMessage, res: ServerResponse, sub: string | undefined) => {
    const details = await provider.interactionDetails(req, res);
    // A second visit with an IdP session asks only for consent: the session already says who.
    const accountId = details.prompt.name === 'login' ? sub : (details.session?.accountId ?? sub);
    if (!accountId || !accounts.has(accountId)) {
      res.statusCode = 400;
      res.setHeader('content-type', 'text/html');
      res.end(loginForm(details.uid, `unknown account ${accountId ?? ''}`));
      return;
    }
    const clientId = String(details.params.client_id);
    const grant =
      (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
      new provider.Grant({ accountId, clientId });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    grant.addOIDCScope(String(details.params.scope ?? ''));
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
      grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  };

  const interaction = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      return finish(req, res, form.get('username') ?? undefined);
    }
    if (signedInAs) return finish(req, res, signedInAs);
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name !== 'login' && details.session?.accountId)
      return finish(req, res, details.session.accountId);
    res.setHeader('content-type', 'text/html');
    res.end(loginForm(details.uid));
  };

  const githubUser = async (req: IncomingMessage, res: ServerResponse) => {
    const bearer = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ? await provider.AccessToken.find(bearer) : undefined;
    const account = token?.accountId ? accounts.get(token.accountId) : undefined;
    res.setHeader('content-type', 'application/json');
    if (!token || token.isExpired || !account) {
      res.statusCode = 401;
      res.end(JSON.stringify({ message: 'Bad credentials', status: '401' }));
      return;
    }
    res.end(
      JSON.stringify({
        id: githubIdFor(account.sub),
        login: account.claims.preferred_username ?? account.sub,
        name: account.claims.name ?? null,
        email: account.claims.email ?? null,
      }),
    );
  };

  const faulty = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (mode === 'down') {
      req.socket.destroy();
      return true;
    }
    if (mode === 'garbage') {
      res.setHeader('content-type', 'text/html');
      res.end('<html>oops');
      return true;
    }
    if (mode === 'slow') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          pendingTimers.delete(timer);
          resolve();
        }, slowMs);
        // Never what keeps the test process alive; stop() clears it.
        timer.unref();
        pendingTimers.add(timer);
      });
      return res.destroyed;
    }
    return false;
  };

  handler = (req, res) => {
    const path = new URL(req.url ?? '/', origin).pathname;
    const route = async () => {
      if ((path === ROUTES.token || path === DISCOVERY) && (await faulty(req, res))) return;
      if (path.startsWith('/interaction/')) return interaction(req, res);
      if (path === GITHUB_USER) return githubUser(req, res);
      if (path === SINK && req.method === 'POST') {
        const token = new URLSearchParams(await readBody(req)).get('logout_token');
        if (token) sinkedLogoutTokens.push(token);
        res.end();
        return;
      }
      return callback(req, res);
    };
    route().catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain');
      res.end(`upstream IdP: ${error instanceof Error ? error.message : String(error)}`);
    });
  };

  const sign = (payload: Record<string, unknown>, typ: string, key: 'idp' | 'other-key') => {
    const merged = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
    return new SignJWT(merged)
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid!, typ })
      .sign(key === 'other-key' ? other.privateKey : privateKey);
  };

  return {
    issuer,
    origin,
    oidcClient: { ...OIDC_CLIENT },
    oauthClient: { ...OAUTH_CLIENT },
    endpoints: {
      authorization: `${origin}${ROUTES.authorization}`,
      token: `${origin}${ROUTES.token}`,
      jwks: `${origin}${ROUTES.jwks}`,
      userinfo: `${origin}${ROUTES.userinfo}`,
      endSession: `${origin}${ROUTES.end_session}`,
      githubUser: `${origin}${GITHUB_USER}`,
    },
    setRedirectUris(uris) {
      redirectUris = [...uris];
    },
    setBackchannelLogoutUri(uri) {
      backchannelLogoutUri = uri;
    },
    setAccount(account) {
      accounts.set(account.sub, { sub: account.sub, claims: { ...account.claims } });
    },
    signInAs(sub) {
      signedInAs = sub;
    },
    setMode(next, ms) {
      mode = next;
      slowMs = ms ?? 30_000;
    },
    logoutToken({ sub, sid, overrides = {}, sign: key = 'idp' }) {
      const now = Math.floor(Date.now() / 1000);
      return sign(
        {
          iss: issuer,
          aud: OIDC_CLIENT.clientId,
          iat: now,
          exp: now + 120,
          jti: randomUUID(),
          events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
          sub,
          sid,
          ...overrides,
        },
        'logout+jwt',
        key,
      );
    },
    lastSid(sub) {
      return lastSids.get(sub);
    },
    idToken(claims, key = 'idp') {
      const now = Math.floor(Date.now() / 1000);
      return sign(
        { iss: issuer, aud: OIDC_CLIENT.clientId, iat: now, exp: now + 600, auth_time: now, ...claims },
        'JWT',
        key,
      );
    },
    sinkedLogoutTokens,
    async stop() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

async function signingKey(kid: string): Promise<{ privateKey: PrivateKey; jwk: JWK }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, jwk };
}

function loginForm(uid: string, error?: string): string {
  return `<!DOCTYPE html><html><body>${error ? `<p>${escapeHtml(error)}</p>` : ''}<form method="post" action="/interaction/${escapeHtml(uid)}"><input type="text" name="username"><button type="submit">Sign in</button></form></body></html>`;
}

function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The clients, as of now (see clientMetadata). */
class ClientAdapter implements Adapter {
  constructor(readonly metadata: (id: string) => AdapterPayload | undefined) {}
  async find(id: string) {
    return this.metadata(id);
  }
  async upsert() {}
  async findByUserCode() {
    return undefined;
  }
  async findByUid() {
    return undefined;
  }
  async consume() {}
  async destroy() {}
  async revokeByGrantId() {}
}

/**
 * oidc-provider's own memory adapter keeps one store for the whole process; this one is the IdP's own
 * and checks expiry on read, so it needs no timer and goes away with the IdP.
 */
class MemoryStore {
  readonly #entries = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  readonly #uids = new Map<string, string>();
  readonly #grants = new Map<string, Set<string>>();

  adapter(model: string): Adapter {
    const key = (id: string) => `${model}:${id}`;
    const read = (k: string | undefined) => {
      if (!k) return undefined;
      const entry = this.#entries.get(k);
      if (!entry) return undefined;
      if (entry.expiresAt <= Date.now()) {
        this.#entries.delete(k);
        return undefined;
      }
      return entry.payload;
    };
    return {
      upsert: async (id, payload, expiresIn) => {
        const k = key(id);
        this.#entries.set(k, {
          payload,
          expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY,
        });
        if (model === 'Session' && payload.uid) this.#uids.set(payload.uid, k);
        if (payload.grantId) {
          const members = this.#grants.get(payload.grantId) ?? new Set<string>();
          members.add(k);
          this.#grants.set(payload.grantId, members);
        }
      },
      find: async (id) => read(key(id)),
      findByUid: async (uid) => read(this.#uids.get(uid)),
      findByUserCode: async (userCode) =>
        [...this.#entries.entries()].find(
          ([k, e]) => k.startsWith(`${model}:`) && e.payload.userCode === userCode,
        )?.[1].payload,
      consume: async (id) => {
        const payload = read(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.#entries.delete(key(id));
      },
      revokeByGrantId: async (grantId) => {
        for (const k of this.#grants.get(grantId) ?? []) this.#entries.delete(k);
        this.#grants.delete(grantId);
      },
    };
  }
}
