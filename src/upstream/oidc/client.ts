import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { SigningKey } from '../../config/signing-keys.js';
import type { UpstreamProvider } from '../../config/upstream.js';
import { err, ok, type Result } from '../../domain/result.js';
import { clientAuthentication } from './client-auth.js';
import { classifyClientError, type UpstreamFailure } from './failure.js';
import { providerMetadata } from './metadata.js';

/** Discovered metadata is used this long before it is fetched again (a failed fetch is not kept). */
const METADATA_TTL_MS = 3_600_000;
/** The largest userinfo answer read. */
const MAX_USERINFO_BYTES = 256 * 1024;

/** What a sign-in at the provider brought back. */
export interface UpstreamIdentity {
  /** The ID token's claims (nonce and hashes removed), when an ID token came. */
  idTokenClaims: Record<string, unknown> | undefined;
  /** The userinfo answer, when fetched. */
  userinfoClaims: Record<string, unknown> | undefined;
  /** The raw ID token, for `id_token_hint` when signing out at the provider. */
  idToken: string | undefined;
  /** The provider's session id (`sid`), which a back-channel logout names. */
  sid: string | undefined;
}

/** What the authorization request kept secret, needed again at the callback. */
export interface AuthorizationSecrets {
  state: string;
  nonce: string | undefined;
  codeVerifier: string | undefined;
}

/** A back-channel logout token that passed every check: who and which session it signs out. */
export interface LogoutClaims {
  sub: string | undefined;
  sid: string | undefined;
}

export interface OidcUpstreamOptions {
  /** secrets.keys, for private_key_jwt. */
  keys: readonly SigningKey[];
  /** Every call to the provider gives up after this long. */
  timeoutMs: number;
  /** The clock's milliseconds (logout token expiry, metadata age, Apple's secret). */
  now: () => number;
}

/**
 * One OpenID Connect / OAuth 2.0 provider as a client sees it, through openid-client (certified): the
 * authorization request (state, nonce, PKCE), the code exchange with every ID token check (signature,
 * iss, aud, azp, nonce, exp, and the RFC 9207 `iss` of the callback), userinfo, and back-channel logout
 * tokens (jose, against the provider's JWKS).
 */
export class OidcUpstream {
  #configuration: { at: number; value: Promise<Result<oidc.Configuration, UpstreamFailure>> } | undefined;
  #jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  readonly #now: () => number;

  constructor(
    readonly provider: UpstreamProvider,
    private readonly options: OidcUpstreamOptions,
  ) {
    this.#now = options.now;
  }

  /** The openid-client configuration, discovered once an hour; a failure is retried at the next call. */
  configuration(): Promise<Result<oidc.Configuration, UpstreamFailure>> {
    const cached = this.#configuration;
    if (cached && this.#now() - cached.at < METADATA_TTL_MS) return cached.value;
    const value = this.#configure();
    const entry = { at: this.#now(), value };
    this.#configuration = entry;
    void value.then((r) => {
      if (!r.ok && this.#configuration === entry) this.#configuration = undefined;
    });
    return value;
  }

  async #configure(): Promise<Result<oidc.Configuration, UpstreamFailure>> {
    const { provider } = this;
    const metadata = await providerMetadata(provider, this.options.timeoutMs);
    if (!metadata.ok) return metadata;
    let auth: oidc.ClientAuth;
    try {
      auth = clientAuthentication(provider, this.options.keys, this.#now);
    } catch (e) {
      return err({ kind: 'untrusted', detail: (e as Error).message });
    }
    const config = new oidc.Configuration(
      metadata.value,
      provider.clientId,
      {
        id_token_signed_response_alg: provider.idTokenSignedResponseAlg,
        ...(provider.userinfoSignedResponseAlg
          ? { userinfo_signed_response_alg: provider.userinfoSignedResponseAlg }
          : {}),
        ...(provider.tokenEndpointAuthSigningAlg
          ? { token_endpoint_auth_signing_alg: provider.tokenEndpointAuthSigningAlg }
          : {}),
      },
      auth,
    );
    config.timeout = Math.ceil(this.options.timeoutMs / 1000);
    // Plain http only where the configuration allows it: a loopback provider in `oidc` mode (see
    // metadata.ts), or any the admin named in `insecure` or `disabled` mode.
    const endpoints = [
      metadata.value.token_endpoint,
      metadata.value.jwks_uri,
      metadata.value.userinfo_endpoint,
    ];
    if (endpoints.some((u) => typeof u === 'string' && u.startsWith('http:')))
      oidc.allowInsecureRequests(config);
    return ok(config);
  }

  get #openid(): boolean {
    return this.provider.scope.split(' ').includes('openid');
  }

  /** The URL the browser is sent to, and the secrets to keep for the callback. */
  async authorizationUrl(input: {
    redirectUri: string;
    extraParameters: Record<string, string>;
  }): Promise<Result<{ url: URL; secrets: AuthorizationSecrets }, UpstreamFailure>> {
    const configured = await this.configuration();
    if (!configured.ok) return configured;
    const config = configured.value;
    const { provider } = this;
    const state = oidc.randomState();
    const nonce = this.#openid ? oidc.randomNonce() : undefined;
    const methods = config.serverMetadata().code_challenge_methods_supported;
    const pkce =
      provider.pkceMethod === 'always' ||
      (provider.pkceMethod === 'auto' && Array.isArray(methods) && methods.includes('S256'));
    const codeVerifier = pkce ? oidc.randomPKCECodeVerifier() : undefined;
    const parameters: Record<string, string> = {
      ...input.extraParameters,
      response_type: 'code',
      redirect_uri: input.redirectUri,
      scope: provider.scope,
      state,
    };
    if (nonce) parameters.nonce = nonce;
    if (codeVerifier) {
      parameters.code_challenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
      parameters.code_challenge_method = 'S256';
    }
    if (provider.responseMode === 'form_post') parameters.response_mode = 'form_post';
    try {
      return ok({
        url: oidc.buildAuthorizationUrl(config, parameters),
        secrets: { state, nonce, codeVerifier },
      });
    } catch (e) {
      return err(classifyClientError('the authorization request', e));
    }
  }

  /**
   * The callback's parameters exchanged for the identity: state and `iss` checked, the code redeemed
   * (with the PKCE verifier), the ID token verified, userinfo fetched when configured.
   */
  async exchange(input: {
    redirectUri: string;
    parameters: URLSearchParams;
    secrets: AuthorizationSecrets;
  }): Promise<Result<UpstreamIdentity, UpstreamFailure>> {
    const configured = await this.configuration();
    if (!configured.ok) return configured;
    const config = configured.value;
    const callback = new URL(input.redirectUri);
    callback.search = input.parameters.toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(
        config,
        callback,
        {
          expectedState: input.secrets.state,
          ...(input.secrets.nonce ? { expectedNonce: input.secrets.nonce } : {}),
          ...(input.secrets.codeVerifier ? { pkceCodeVerifier: input.secrets.codeVerifier } : {}),
          // An OpenID Connect provider must give an ID token; a plain OAuth 2.0 one has none.
          idTokenExpected: this.#openid,
        },
        { redirect_uri: input.redirectUri },
      );
    } catch (e) {
      return err(classifyClientError('the code exchange', e));
    }
    const claims = tokens.claims();
    const idTokenClaims = claims ? withoutProtocolClaims(claims) : undefined;
    let userinfoClaims: Record<string, unknown> | undefined;
    if (this.provider.fetchUserinfo) {
      const fetched = await this.#userinfo(config, tokens.access_token, claims?.sub);
      if (!fetched.ok) return fetched;
      userinfoClaims = fetched.value;
    }
    return ok({
      idTokenClaims,
      userinfoClaims,
      idToken: tokens.id_token,
      sid: typeof claims?.sid === 'string' ? claims.sid : undefined,
    });
  }

  async #userinfo(
    config: oidc.Configuration,
    accessToken: string,
    subject: string | undefined,
  ): Promise<Result<Record<string, unknown>, UpstreamFailure>> {
    const url = config.serverMetadata().userinfo_endpoint;
    if (!url) return err({ kind: 'bad_response', detail: 'the provider has no userinfo endpoint' });
    try {
      // With an ID token, userinfo is OpenID Connect's: its `sub` must be the ID token's (and a signed
      // answer is verified). Without one (GitHub's API), it is the provider's own JSON.
      if (subject !== undefined || this.provider.userinfoSignedResponseAlg)
        return ok({ ...(await oidc.fetchUserInfo(config, accessToken, subject ?? oidc.skipSubjectCheck)) });
      const response = await oidc.fetchProtectedResource(
        config,
        accessToken,
        new URL(url),
        'GET',
        undefined,
        new Headers({ accept: 'application/json' }),
      );
      const text = await response.text();
      if (!response.ok)
        return err({ kind: 'bad_response', detail: `userinfo answered HTTP ${response.status}` });
      if (text.length > MAX_USERINFO_BYTES)
        return err({ kind: 'bad_response', detail: 'userinfo is too large' });
      const body: unknown = JSON.parse(text);
      if (!body || typeof body !== 'object' || Array.isArray(body))
        return err({ kind: 'bad_response', detail: 'userinfo is not a JSON object' });
      return ok(body as Record<string, unknown>);
    } catch (e) {
      if (e instanceof SyntaxError) return err({ kind: 'bad_response', detail: 'userinfo is not JSON' });
      return err(classifyClientError('userinfo', e));
    }
  }

  /**
   * An OpenID Connect Back-Channel Logout 1.0 token, verified: signed with the provider's key and the
   * configured algorithm, issued by it to this client, not expired, carrying the logout event and `sub`
   * or `sid`, and no `nonce` (which would make it an ID token).
   */
  async verifyLogoutToken(token: string): Promise<Result<LogoutClaims, UpstreamFailure>> {
    const configured = await this.configuration();
    if (!configured.ok) return configured;
    const metadata = configured.value.serverMetadata();
    if (!metadata.jwks_uri) return err({ kind: 'bad_response', detail: 'the provider has no jwks_uri' });
    this.#jwks ??= createRemoteJWKSet(new URL(metadata.jwks_uri), {
      timeoutDuration: this.options.timeoutMs,
    });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks, {
        issuer: metadata.issuer,
        audience: this.provider.clientId,
        algorithms: [this.provider.idTokenSignedResponseAlg],
        requiredClaims: ['iat', 'exp'],
        currentDate: new Date(this.#now()),
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWKSTimeout)
        return err({ kind: 'unreachable', detail: 'the JWKS fetch timed out' });
      return err({ kind: 'untrusted', detail: `the logout token: ${(e as Error).message}` });
    }
    const events = payload.events as Record<string, unknown> | undefined;
    const event = events?.['http://schemas.openid.net/event/backchannel-logout'];
    if (!event || typeof event !== 'object')
      return err({ kind: 'untrusted', detail: 'the logout token has no logout event' });
    if (payload.nonce !== undefined)
      return err({ kind: 'untrusted', detail: 'the logout token carries a nonce' });
    const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
    const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
    if (!sub && !sid) return err({ kind: 'untrusted', detail: 'the logout token names neither sub nor sid' });
    return ok({ sub, sid });
  }

  /** The provider's end_session URL signing the browser out there too, when it has one. */
  async endSessionUrl(input: {
    idToken: string | undefined;
    postLogoutRedirectUri: string;
  }): Promise<URL | undefined> {
    const configured = await this.configuration();
    if (!configured.ok || !configured.value.serverMetadata().end_session_endpoint) return undefined;
    return oidc.buildEndSessionUrl(configured.value, {
      client_id: this.provider.clientId,
      post_logout_redirect_uri: input.postLogoutRedirectUri,
      ...(input.idToken ? { id_token_hint: input.idToken } : {}),
    });
  }
}

/** The claims a template sees: the protocol's own checks (nonce, hashes) are not the person's. */
function withoutProtocolClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const { nonce: _n, at_hash: _a, c_hash: _c, ...rest } = claims;
  return rest;
}
