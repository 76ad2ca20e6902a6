import type { Middleware } from 'koa';
import type { Config } from '../../config/config.js';
import type { Clock } from '../../domain/clock.js';
import type { EngineInteractions } from '../../oauth/interactions.js';
import type { CaptchaVerifier } from '../../services/captcha.js';
import type { InteractionReads } from '../../services/interaction-reads.js';
import type { RegistrationTokenService } from '../../services/registration-tokens.js';
import type { SignInService } from '../../services/sign-in.js';
import type { TermsService } from '../../services/terms.js';
import type { UserService } from '../../services/users.js';
import type { VerificationService } from '../../services/verification.js';
import type { Upstream } from '../../upstream/index.js';
import type { Csrf } from '../csrf.js';
import { type InteractionKit, interactionKit } from '../interaction-kit.js';
import type { KnownBrowsers } from '../known-browser.js';
import { type RegistrationHandlers, type RegistrationLimits, registrationHandlers } from '../registration.js';
import { clientNames } from './client-name.js';
import { signInCompletion } from './complete-sign-in.js';
import { consentStep, consentSubmit } from './consent.js';
import { type LoginHandlers, loginForm, loginHandlers } from './login.js';
import { termsStep, termsSubmit } from './terms.js';
import { type UpstreamStepHandlers, upstreamStep } from './upstream.js';

export interface InteractionDependencies {
  config: Config;
  interactions: EngineInteractions;
  users: UserService;
  csrf: Csrf;
  /** Password sign-in, the same service the compatibility login API and re-authentication use. */
  signIn: SignInService;
  terms: TermsService;
  knownBrowsers: KnownBrowsers;
  registrationTokens: RegistrationTokenService;
  /** Present when `captcha.service` is configured. */
  captcha: CaptchaVerifier | undefined;
  reads: InteractionReads;
  registrationLimits: RegistrationLimits;
  verification: VerificationService;
  clock: Clock;
  /** Sign-in through upstream providers, when any is enabled. */
  upstream: Upstream | undefined;
}

/** The handlers of `/interaction/:uid` and the pages under it (rows in src/routes.ts). */
export interface InteractionHandlers {
  /** `GET /interaction/:uid`: where the engine sends the browser, the step its prompt asks for. */
  start: Middleware;
  login: LoginHandlers;
  register: Omit<RegistrationHandlers, 'show'>;
  /** `POST …/terms`. */
  terms: Middleware;
  /** `POST …/consent`. */
  consent: Middleware;
  /** `GET|POST …/upstream/:authorizationId`, when upstream providers are enabled. */
  upstream: UpstreamStepHandlers | undefined;
}

/**
 * The pages of an authorization in progress: sign in, create an account (registration.ts), accept the
 * terms, consent. The engine sends the browser to /interaction/:uid; every sign-in ends through
 * complete-sign-in.ts, and the engine is reached only through oauth/interactions.ts.
 */
export function interactionHandlers(deps: InteractionDependencies): InteractionHandlers {
  const { config, interactions, csrf } = deps;
  const base = interactionKit({ config, interactions, csrf });
  const clientName = clientNames(interactions, deps.reads);
  const showLogin = loginForm(base, { config, csrf, clientName, upstream: deps.upstream !== undefined });
  const kit: InteractionKit = { ...base, login: showLogin };
  const terms = termsStep(base, { csrf, terms: deps.terms });
  const completion = signInCompletion(base, { config, terms: deps.terms, showTerms: terms.show });
  const consent = consentStep(kit, {
    config,
    interactions,
    csrf,
    reads: deps.reads,
    clientName,
    terms,
    completion,
  });

  const registration = registrationHandlers(kit, {
    config,
    users: deps.users,
    csrf,
    verification: deps.verification,
    clock: deps.clock,
    tokens: deps.registrationTokens,
    captcha: deps.captcha,
    termsUri: deps.terms.uri,
    limits: deps.registrationLimits,
    completion,
  });

  const start: Middleware = async (ctx) => {
    const d = await kit.details(ctx);
    if (!d) return;
    if (d.prompt.name === 'create') return registration.show(ctx, d);
    if (d.prompt.name === 'login') return showLogin(ctx, d);
    if (d.prompt.name === 'consent' && d.session?.accountId) return consent.next(ctx, d, d.session.accountId);
    return consent.show(ctx, d);
  };
  return {
    start,
    login: loginHandlers(kit, {
      config,
      signIn: deps.signIn,
      knownBrowsers: deps.knownBrowsers,
      completion,
      show: showLogin,
    }),
    register: registration,
    terms: termsSubmit(kit, {
      step: terms,
      completion,
      reads: deps.reads,
      clock: deps.clock,
      consent: consent.next,
    }),
    consent: consentSubmit(kit, consent, terms),
    upstream:
      deps.upstream &&
      upstreamStep(kit, {
        config,
        csrf,
        flow: deps.upstream.flow,
        accounts: deps.upstream.accounts,
        binding: deps.upstream.binding,
        metrics: deps.upstream.metrics,
        completion,
        termsUri: deps.terms.uri,
      }),
  };
}
