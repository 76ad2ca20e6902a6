import { timingSafeEqual } from 'node:crypto';
import type { UpstreamProvider } from '../config/upstream.js';
import type { Clock } from '../domain/clock.js';
import { err, ok, type Result } from '../domain/result.js';
import { tokenHash } from '../domain/token-hash.js';
import type { UpstreamAuthorization, UpstreamPurpose } from '../domain/upstream-link.js';
import type { SecretBox } from '../services/secret-box.js';
import type { Storage } from '../storage/storage.js';
import { type ReceivedClaims, renderTemplate, templateContext } from './claims.js';
import type { AuthorizationSecrets, OidcUpstream } from './oidc/client.js';
import type { UpstreamFailure } from './oidc/failure.js';

/** A trip to the provider must come back within this (MAS's figure). */
export const AUTHORIZATION_TTL_MS = 10 * 60_000;

/** The callback's own parameters; anything else the provider sent is offered to templates. */
const CALLBACK_PARAMETERS = new Set([
  'state',
  'code',
  'iss',
  'error',
  'error_description',
  'error_uri',
  'session_state',
]);

/** Why a callback cannot go on; each is a page naming the provider. */
export type CallbackProblem =
  | { kind: 'no_state' }
  /** No authorization has this state, or it is another provider's. */
  | { kind: 'unknown_state' }
  /** The authorization was started in another browser. */
  | { kind: 'other_browser' }
  | { kind: 'expired' }
  /** This callback was used already. */
  | { kind: 'replayed' }
  | { kind: 'denied'; error: string }
  | { kind: 'failed'; failure: UpstreamFailure }
  | { kind: 'no_subject'; detail: string };

export interface UpstreamFlowDependencies {
  storage: Storage;
  box: SecretBox;
  clock: Clock;
  clients: ReadonlyMap<string, OidcUpstream>;
  /** The callback URL registered at the provider (MAS's path). */
  redirectUri(provider: UpstreamProvider): string;
}

/** Sealed with the authorization: the secrets of the request, and the ID token only when needed later. */
interface SealedSecrets {
  nonce?: string;
  codeVerifier?: string;
}

/**
 * The trip to a provider and back: the authorization request (state bound to this browser, nonce,
 * PKCE), then the callback, checked and exchanged once. What the identity then means for an account
 * (sign in, create, link) is accounts.ts'.
 */
export class UpstreamFlow {
  constructor(private readonly deps: UpstreamFlowDependencies) {}

  client(providerId: string): OidcUpstream | undefined {
    return this.deps.clients.get(providerId);
  }

  /** Where to send the browser; the authorization is kept until the callback (10 minutes at most). */
  async start(input: {
    provider: UpstreamProvider;
    purpose: UpstreamPurpose;
    interactionUid: string | null;
    userId: string | null;
    browserToken: string;
    /** The downstream authorization's parameters, for `additional_authorization_parameters` templates. */
    params: Record<string, unknown>;
  }): Promise<Result<URL, UpstreamFailure>> {
    const client = this.client(input.provider.id)!;
    const extraParameters = renderAdditionalParameters(input.provider, input.params);
    const built = await client.authorizationUrl({
      redirectUri: this.deps.redirectUri(input.provider),
      extraParameters,
    });
    if (!built.ok) return built;
    const { secrets, url } = built.value;
    const sealed: SealedSecrets = {
      ...(secrets.nonce ? { nonce: secrets.nonce } : {}),
      ...(secrets.codeVerifier ? { codeVerifier: secrets.codeVerifier } : {}),
    };
    await this.deps.storage.upstreamAuthorizations.create({
      providerId: input.provider.id,
      purpose: input.purpose,
      interactionUid: input.interactionUid,
      userId: input.userId,
      stateHash: tokenHash(secrets.state),
      browserHash: tokenHash(input.browserToken),
      secretsSealed: this.deps.box.seal(JSON.stringify(sealed)),
      expiresAt: new Date(this.deps.clock.now().getTime() + AUTHORIZATION_TTL_MS),
    });
    return ok(url);
  }

  /** The provider an authorization state belongs to (Synapse's single callback path finds it so). */
  async providerOfState(state: string): Promise<string | undefined> {
    return (await this.deps.storage.upstreamAuthorizations.findByStateHash(tokenHash(state)))?.providerId;
  }

  /** The interaction an authorization state signs in, for the way back from a failed callback. */
  async interactionOfState(state: string): Promise<string | undefined> {
    const found = await this.deps.storage.upstreamAuthorizations.findByStateHash(tokenHash(state));
    return found?.interactionUid ?? undefined;
  }

  /**
   * The callback: its state must be one this browser started for this provider, unused and in time;
   * then the code is exchanged and the subject rendered. Completed once: a replay finds it used.
   */
  async callback(input: {
    provider: UpstreamProvider;
    parameters: URLSearchParams;
    browserToken: string | undefined;
  }): Promise<Result<UpstreamAuthorization, CallbackProblem>> {
    const { storage, box, clock } = this.deps;
    const state = input.parameters.get('state');
    if (!state) return err({ kind: 'no_state' });
    const found = await storage.upstreamAuthorizations.findByStateHash(tokenHash(state));
    if (!found || found.providerId !== input.provider.id) return err({ kind: 'unknown_state' });
    if (!input.browserToken || !sameHash(found.browserHash, tokenHash(input.browserToken)))
      return err({ kind: 'other_browser' });
    if (found.completedAt) return err({ kind: 'replayed' });
    if (found.expiresAt.getTime() <= clock.now().getTime()) return err({ kind: 'expired' });
    const error = input.parameters.get('error');
    if (error) {
      // The person cancelled or the provider refused: the authorization is spent either way.
      await this.#spend(found.id);
      return err({ kind: 'denied', error: error.slice(0, 100) });
    }
    const opened = box.open(found.secretsSealed);
    const sealed = opened ? (JSON.parse(opened) as SealedSecrets) : undefined;
    if (!sealed) return err({ kind: 'replayed' });
    const secrets: AuthorizationSecrets = { state, nonce: sealed.nonce, codeVerifier: sealed.codeVerifier };
    const exchanged = await this.client(input.provider.id)!.exchange({
      redirectUri: this.deps.redirectUri(input.provider),
      parameters: input.parameters,
      secrets,
    });
    if (!exchanged.ok) {
      // A code is good once: a failed exchange cannot be retried with it, so the authorization is spent.
      await this.#spend(found.id);
      return err({ kind: 'failed', failure: exchanged.error });
    }
    const identity = exchanged.value;
    const extra: Record<string, string> = {};
    for (const [key, value] of input.parameters)
      if (!CALLBACK_PARAMETERS.has(key)) extra[key] = value.slice(0, 4096);
    const received: ReceivedClaims = {
      ...(identity.idTokenClaims ? { id_token_claims: identity.idTokenClaims } : {}),
      ...(identity.userinfoClaims ? { userinfo_claims: identity.userinfoClaims } : {}),
      extra_callback_parameters: extra,
    };
    const subject = renderTemplate(input.provider.claims.subject, templateContext(received));
    const subjectValue = subject.ok && subject.value !== 'undefined' ? subject.value : '';
    if (subjectValue === '') {
      await this.#spend(found.id);
      return err({
        kind: 'no_subject',
        detail: subject.ok ? 'the subject template rendered nothing' : subject.error,
      });
    }
    const completed = await storage.upstreamAuthorizations.complete(found.id, {
      subject: subjectValue,
      claims: JSON.stringify(received),
      upstreamSid: identity.sid ?? null,
      // Kept only to name the session when signing out at the provider, and only sealed.
      idTokenSealed: input.provider.signOutUpstream && identity.idToken ? box.seal(identity.idToken) : null,
    });
    if (!completed) return err({ kind: 'replayed' });
    return ok({
      ...found,
      subject: subjectValue,
      claims: JSON.stringify(received),
      upstreamSid: identity.sid ?? null,
      completedAt: clock.now(),
    });
  }

  /** Marks an authorization done without an identity: its code (or refusal) cannot be used again. */
  async #spend(id: string): Promise<void> {
    await this.deps.storage.upstreamAuthorizations.complete(id, {
      subject: '',
      claims: '{}',
      upstreamSid: null,
      idTokenSealed: null,
    });
  }

  /**
   * A completed, unused authorization of this browser, for the step after the callback; undefined when
   * it is not (another browser's, used, never completed, or from before the last 10 minutes).
   */
  async completed(id: string, browserToken: string | undefined): Promise<UpstreamAuthorization | undefined> {
    const found = await this.deps.storage.upstreamAuthorizations.find(id);
    if (!found?.completedAt || found.consumedAt || !found.subject || !browserToken) return undefined;
    if (!sameHash(found.browserHash, tokenHash(browserToken))) return undefined;
    if (found.expiresAt.getTime() + AUTHORIZATION_TTL_MS <= this.deps.clock.now().getTime()) return undefined;
    return found;
  }
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * `additional_authorization_parameters`: each value a template over the downstream authorization's
 * `params` (and `logged_out`); an empty or failing one is left out, as MAS does.
 */
function renderAdditionalParameters(
  provider: UpstreamProvider,
  params: Record<string, unknown>,
): Record<string, string> {
  const context = { params, logged_out: false };
  const out: Record<string, string> = {};
  for (const [key, template] of Object.entries(provider.additionalAuthorizationParameters)) {
    const rendered = renderTemplate(template, context);
    if (rendered.ok && rendered.value !== '' && rendered.value !== 'undefined') out[key] = rendered.value;
  }
  return out;
}
