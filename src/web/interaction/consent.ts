import type { Context, Middleware } from 'koa';
import type { Config } from '../../config/config.js';
import { userId } from '../../domain/matrix-id.js';
import { parseMatrixScope, SCOPE_SYNAPSE_ADMIN } from '../../domain/matrix-scopes.js';
import type { EngineInteractions } from '../../oauth/interactions.js';
import { ACCOUNT_CLIENT_ID } from '../../oauth/provider.js';
import type { InteractionReads } from '../../services/interaction-reads.js';
import { onlyImagesFrom } from '../csp.js';
import type { Csrf } from '../csrf.js';
import type { Details, InteractionKit } from '../interaction-kit.js';
import { type ConsentView, consentPage } from '../pages/consent.js';
import type { ClientNames } from './client-name.js';
import type { SignInCompletion } from './complete-sign-in.js';
import type { TermsStep } from './terms.js';

export interface ConsentDependencies {
  config: Config;
  interactions: EngineInteractions;
  csrf: Csrf;
  reads: InteractionReads;
  clientName: ClientNames;
  terms: TermsStep;
  /** What a signed-in account still owes (the terms), asked as at sign-in. */
  completion: Pick<SignInCompletion, 'nextStep'>;
}

/** The consent step: what the client asks for, and a new grant when the person allows it. */
export interface ConsentStep {
  /**
   * The consent page, or the terms first when the signed-in account has not accepted the current ones
   * (a browser session from before they changed signs in without the password page).
   */
  next(ctx: Context, d: Details, accountId: string): Promise<void>;
  show(ctx: Context, d: Details): Promise<void>;
  /** Records what the user allowed as a new grant (one per device) and lets the engine continue. */
  grant(ctx: Context, d: Details, accountId: string): Promise<void>;
  /** Whether a signed-in account must accept the terms first: the sign-in's own step (complete-sign-in.ts). */
  owesTerms(accountId: string): Promise<boolean>;
}

export function consentStep(kit: InteractionKit, deps: ConsentDependencies): ConsentStep {
  const { config, interactions, csrf, reads, clientName, terms, completion } = deps;
  const serverName = config.matrix.homeserver;

  const show = async (ctx: Context, d: Details) => {
    const c = kit.chrome(ctx);
    const user = d.session?.accountId ? await reads.user(d.session.accountId) : undefined;
    if (!user) return kit.login(ctx, d);
    const client = await clientName(String(d.params.client_id), c.t.language);
    const scope = parseMatrixScope(String(d.params.scope ?? ''));
    const matrix = scope.ok ? scope.value : undefined;
    // A device id the account already uses: signing in ends that session, so say which one it is.
    let replacing: ConsentView['replacing'];
    const current = matrix?.deviceId ? await reads.sessionOnDevice(user.id, matrix.deviceId) : undefined;
    if (current)
      replacing = {
        app:
          current.kind === 'oauth'
            ? (await clientName(current.session.clientId, c.t.language)).name
            : undefined,
        deviceName: current.session.displayName ?? undefined,
        lastSeen: current.session.lastActiveAt ?? undefined,
      };
    // The browser fetches the client's logo (when shown) from its own site, and no other third party.
    onlyImagesFrom(ctx, [c.frame?.logoSrc, client.logoUri]);
    kit.page(
      ctx,
      consentPage(c, {
        replacing,
        action: kit.step(d, 'consent'),
        csrf: csrf.token(ctx),
        clientName: client.name,
        clientHost: client.host,
        logoUri: client.logoUri,
        tosUri: client.tosUri,
        policyUri: client.policyUri,
        scriptUrl: `${c.assetsBase}mxauth.js`,
        userId: userId(user.localpart, serverName),
        deviceId: matrix?.deviceId,
        fullAccess: matrix?.api ?? false,
        admin: matrix?.admin ?? false,
        openid: matrix?.others.includes('openid') ?? false,
        email: matrix?.others.includes('email') ?? false,
        phone: matrix?.others.includes('phone') ?? false,
        switchUserUrl: kit.step(d, 'login'),
      }),
    );
  };

  const grant = async (ctx: Context, d: Details, accountId: string): Promise<void> => {
    const clientId = String(d.params.client_id);
    const requested = String(d.params.scope ?? '').split(' ');
    if (requested.includes(SCOPE_SYNAPSE_ADMIN)) {
      const user = await reads.user(accountId);
      // Checked here, where every grant is made, so no path (first-party or not) can skip it.
      if (!user?.canRequestAdmin || clientId === ACCOUNT_CLIENT_ID)
        return kit.finish(
          ctx,
          { error: 'access_denied', error_description: 'This account may not request administrator access.' },
          true,
        );
    }
    const missing = d.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const grantId = await interactions.grant({
      accountId,
      clientId,
      oidcScope: missing.missingOIDCScope,
      oidcClaims: missing.missingOIDCClaims,
      // mxauth's own account client signs in to mxauth only: it never gets Matrix access.
      resourceScopes: clientId === ACCOUNT_CLIENT_ID ? undefined : missing.missingResourceScopes,
    });
    await kit.finish(ctx, { consent: { grantId } }, true);
  };

  const owesTerms = async (accountId: string) => (await completion.nextStep(accountId)).kind === 'terms';

  const next = async (ctx: Context, d: Details, accountId: string) => {
    if (await owesTerms(accountId)) return terms.show(ctx, d);
    // mxauth's own account page needs no consent to sign in to mxauth.
    if (d.params.client_id === ACCOUNT_CLIENT_ID) return grant(ctx, d, accountId);
    return show(ctx, d);
  };

  return { next, show, grant, owesTerms };
}

/** `POST /consent`: allow (a grant) or deny (the client is told access was denied). */
export function consentSubmit(kit: InteractionKit, step: ConsentStep, terms: TermsStep): Middleware {
  return async (ctx) => {
    const body = await kit.form(ctx);
    if (!body) return;
    const d = await kit.details(ctx);
    if (!d) return;
    const accountId = d.session?.accountId;
    if (d.prompt.name !== 'consent' || !accountId) return kit.login(ctx, d);
    // Consent is given by someone who accepted the current terms, whichever page they came from.
    if (await step.owesTerms(accountId)) return terms.show(ctx, d);
    if (body.decision !== 'allow') {
      return kit.finish(
        ctx,
        { error: 'access_denied', error_description: 'The user did not allow access.' },
        true,
      );
    }
    await step.grant(ctx, d, accountId);
  };
}
