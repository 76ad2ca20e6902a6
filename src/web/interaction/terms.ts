import type { Context, Middleware } from 'koa';
import type { Clock } from '../../domain/clock.js';
import { userStatus } from '../../domain/user.js';
import type { InteractionReads } from '../../services/interaction-reads.js';
import type { TermsService } from '../../services/terms.js';
import type { Csrf } from '../csrf.js';
import type { Details, InteractionKit } from '../interaction-kit.js';
import { termsPage } from '../pages/terms.js';
import type { SignInCompletion } from './complete-sign-in.js';

/** The terms step, as the other steps use it. */
export interface TermsStep {
  service: TermsService;
  show(ctx: Context, d: Details, extra?: { error?: string; status?: number }): void;
}

export function termsStep(
  kit: Omit<InteractionKit, 'login'>,
  deps: { csrf: Csrf; terms: TermsService },
): TermsStep {
  const { csrf, terms } = deps;
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
  };
}

/**
 * `POST /terms`: accepting completes a held sign-in (complete-sign-in.ts), or goes on to consent for
 * a browser already signed in; declining ends the authorization.
 */
export function termsSubmit(
  kit: InteractionKit,
  deps: {
    step: TermsStep;
    /** Where a sign-in waiting for the terms is kept, and goes on once they are accepted. */
    completion: SignInCompletion;
    reads: InteractionReads;
    clock: Clock;
    /** The consent step of a signed-in account that accepted the terms. */
    consent(ctx: Context, d: Details, accountId: string): Promise<void>;
  },
): Middleware {
  const { step, completion } = deps;
  return async (ctx) => {
    const body = await kit.form(ctx);
    if (!body) return;
    const d = await kit.details(ctx);
    if (!d) return;
    // Either a sign-in just proven on this interaction (a password, a new account), or the browser's own.
    const proven = completion.held(ctx, d, deps.clock.now());
    const accountId = proven?.userId ?? (d.prompt.name === 'consent' ? d.session?.accountId : undefined);
    const user = accountId ? await deps.reads.user(accountId) : undefined;
    if (!user || userStatus(user) !== 'active') return kit.login(ctx, d);
    if (body.decision === 'cancel') {
      completion.release(ctx, d);
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
    completion.release(ctx, d);
    await completion.complete(ctx, d, proven);
  };
}
