import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../../config/config.js';
import type { Clock } from '../../domain/clock.js';
import { userStatus } from '../../domain/user.js';
import type { InteractionReads } from '../../services/interaction-reads.js';
import type { TermsService } from '../../services/terms.js';
import type { Csrf } from '../csrf.js';
import { type Details, type InteractionKit, interactionExpiry } from '../interaction-kit.js';
import { InteractionCookie } from '../interaction-state.js';
import { termsPage } from '../pages/terms.js';

/** A password proven at sign-in while the current terms still wait to be accepted. */
interface PendingLogin {
  userId: string;
}

/** The terms step, as the other steps use it. */
export interface TermsStep {
  service: TermsService;
  show(ctx: Context, d: Details, extra?: { error?: string; status?: number }): void;
  /** Keeps a sign-in whose password was right until the terms are accepted on this interaction. */
  holdLogin(ctx: Context, d: Details, userId: string): void;
}

interface HeldTermsStep extends TermsStep {
  heldLogin(ctx: Context, d: Details, now: Date): PendingLogin | undefined;
  releaseLogin(ctx: Context, d: Details): void;
}

export function termsStep(
  kit: Omit<InteractionKit, 'login'>,
  deps: { config: Config; csrf: Csrf; terms: TermsService },
): HeldTermsStep {
  const { config, csrf, terms } = deps;
  const pendingLogin = new InteractionCookie<PendingLogin>(
    config,
    'mxauth-terms',
    config.http.publicBase.protocol === 'https:',
  );
  return {
    service: terms,
    show: (ctx, d, extra = {}) =>
      kit.page(
        ctx,
        termsPage(kit.chrome(ctx), {
          action: kit.step(d, 'terms'),
          csrf: csrf.token(ctx),
          termsUri: terms.uri ?? '',
          error: extra.error,
        }),
        extra.status,
      ),
    holdLogin: (ctx, d, userId) => pendingLogin.set(ctx, d.uid, interactionExpiry(d), { userId }),
    heldLogin: (ctx, d, now) => pendingLogin.get(ctx, d.uid, now),
    releaseLogin: (ctx, d) => pendingLogin.clear(ctx, d.uid),
  };
}

/**
 * `POST /terms`: accepting finishes a held sign-in, or goes on to consent for a browser already signed
 * in; declining ends the authorization.
 */
export function termsRoutes(
  router: Router,
  kit: InteractionKit,
  deps: {
    step: HeldTermsStep;
    reads: InteractionReads;
    clock: Clock;
    /** The consent step of a signed-in account that accepted the terms. */
    consent(ctx: Context, d: Details, accountId: string): Promise<void>;
  },
): void {
  const { step } = deps;
  router.post('/terms', async (ctx) => {
    const body = await kit.form(ctx);
    if (!body) return;
    const d = await kit.details(ctx);
    if (!d) return;
    // Either a password just proven on this interaction's login page, or the browser's signed-in account.
    const proven = d.prompt.name === 'login' ? step.heldLogin(ctx, d, deps.clock.now()) : undefined;
    const accountId = proven?.userId ?? (d.prompt.name === 'consent' ? d.session?.accountId : undefined);
    const user = accountId ? await deps.reads.user(accountId) : undefined;
    if (!user || userStatus(user) !== 'active') return kit.login(ctx, d);
    if (body.decision === 'cancel') {
      step.releaseLogin(ctx, d);
      return kit.finish(
        ctx,
        { error: 'access_denied', error_description: 'The user did not accept the terms of service.' },
        false,
      );
    }
    if (!body.accept_terms)
      return step.show(ctx, d, { error: kit.chrome(ctx).t('terms.required'), status: 400 });
    await step.service.accept(user.id);
    if (!proven) return deps.consent(ctx, d, user.id);
    step.releaseLogin(ctx, d);
    await kit.finish(ctx, { login: { accountId: user.id, remember: true } }, false);
  });
}
