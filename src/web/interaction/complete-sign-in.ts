import type { Context } from 'koa';
import type { Config } from '../../config/config.js';
import { UPSTREAM_RESULT } from '../../oauth/interactions.js';
import type { TermsService } from '../../services/terms.js';
import { type Details, type InteractionKit, interactionExpiry } from '../interaction-kit.js';
import { InteractionCookie } from '../interaction-state.js';

/** How the person proved who they are: a password, a new account, or an upstream provider. */
export type SignInMethod = 'password' | 'registration' | 'upstream';

/** Someone who proved who they are on this interaction, not yet signed in with the engine. */
export interface ProvenSignIn {
  userId: string;
  method: SignInMethod;
  /**
   * The upstream authorization the sign-in came through (an account it created too): the engine's
   * browser session it ends in is recorded on it, which a back-channel logout finds.
   */
  upstreamAuthorizationId?: string | undefined;
}

/**
 * What a proven sign-in still owes before the engine is told, first due first. A second factor, once
 * there is one, is another member here, due after the terms.
 */
export type SignInStep = { kind: 'terms' } | { kind: 'engine' };

/** The one way any sign-in reaches the engine: the steps it still owes, then the hand-off. */
export interface SignInCompletion {
  /** Shows the first step `proven` owes (keeping it on this interaction), or signs it in. */
  complete(ctx: Context, d: Details, proven: ProvenSignIn): Promise<void>;
  /** The first step an account owes, also asked of a browser already signed in before its consent. */
  nextStep(userId: string): Promise<SignInStep>;
  /** The sign-in kept on this interaction while a step waits; none on a consent prompt. */
  held(ctx: Context, d: Details, now: Date): ProvenSignIn | undefined;
  release(ctx: Context, d: Details): void;
}

export function signInCompletion(
  kit: Omit<InteractionKit, 'login'>,
  deps: { config: Config; terms: TermsService; showTerms(ctx: Context, d: Details): void },
): SignInCompletion {
  const { config, terms } = deps;
  // The cookie's name is from when only the terms step kept a sign-in; one in flight stays readable.
  const kept = new InteractionCookie<{ userId: string; method?: string; upstreamAuthorizationId?: string }>(
    config,
    'mxauth-terms',
    config.http.publicBase.protocol === 'https:',
  );

  const nextStep = async (userId: string): Promise<SignInStep> => {
    if (await terms.mustAccept(userId)) return { kind: 'terms' };
    return { kind: 'engine' };
  };

  return {
    nextStep,
    async complete(ctx, d, proven) {
      const step = await nextStep(proven.userId);
      if (step.kind === 'terms') {
        kept.set(ctx, d.uid, interactionExpiry(d), proven);
        return deps.showTerms(ctx, d);
      }
      await kit.finish(ctx, engineResult(proven), false);
    },
    held(ctx, d, now) {
      // Only where the interaction signs someone in; on a consent prompt the browser's session says who.
      if (d.prompt.name !== 'login' && d.prompt.name !== 'create') return undefined;
      const value = kept.get(ctx, d.uid, now);
      if (!value) return undefined;
      const method: SignInMethod =
        value.method === 'registration' || value.method === 'upstream' ? value.method : 'password';
      return { userId: value.userId, method, upstreamAuthorizationId: value.upstreamAuthorizationId };
    },
    release: (ctx, d) => kept.clear(ctx, d.uid),
  };
}

/**
 * What the engine keeps of a sign-in: the account, remembered, and for a new account that the
 * `create` prompt is done. The engine records the time of the sign-in itself.
 */
function engineResult(proven: ProvenSignIn): Record<string, unknown> {
  const login = { accountId: proven.userId, remember: true };
  const upstream = proven.upstreamAuthorizationId
    ? { [UPSTREAM_RESULT]: { authorizationId: proven.upstreamAuthorizationId } }
    : {};
  return proven.method === 'registration' ? { create: {}, login, ...upstream } : { login, ...upstream };
}
