import type { Context, Middleware } from 'koa';
import type { ChangePasswordProblem } from '../../services/account-settings.js';
import { allowOnThisPage } from '../csp.js';
import { STRENGTH_ROUTE } from '../live-checks.js';
import { type PasswordField, passwordPage } from '../pages/account-password.js';
import { passwordAdvice } from '../password-advice.js';
import { type AccountContext, formHandler, viewHandler, type Who } from './context.js';
import { VIEW_ROUTES } from './views.js';

const ROUTE = VIEW_ROUTES.password;

interface Refusal {
  error: string;
  status: number;
  /** The field the refusal is about; none when it is about the whole form. */
  field?: PasswordField;
  passwordScore?: number;
  signOutOthers?: boolean;
}

export interface PasswordHandlers {
  view: Middleware;
  change: Middleware;
}

/**
 * The password view: the current password (limited like sign-in), the new one twice under the strength
 * policy with registration's meter, and optionally signing out everywhere else. The primary address is
 * told by mail.
 */
export function passwordHandlers(ac: AccountContext): {
  render: (ctx: Context, who: Who) => Promise<void>;
  handlers: PasswordHandlers;
} {
  const render = async (ctx: Context, who: Who, refused?: Refusal) => {
    const c = ac.chrome(ctx);
    const hasPassword = await ac.settings.hasPassword(who.user);
    // The meter's script asks the strength check on this origin.
    if (hasPassword) allowOnThisPage(ctx, { 'connect-src': ["'self'"] });
    ac.send(
      ctx,
      passwordPage(c, ac.frame(ctx, who, 'password', refused?.error), {
        ...(hasPassword ? { action: ac.path(ROUTE) } : {}),
        username: who.user.localpart,
        strengthUrl: ac.path(STRENGTH_ROUTE),
        scriptUrl: `${c.assetsBase}mxauth.js`,
        ...(refused?.field ? { errors: { [refused.field]: refused.error } } : {}),
        ...(refused?.passwordScore !== undefined ? { passwordScore: refused.passwordScore } : {}),
        ...(refused?.signOutOthers ? { signOutOthers: true } : {}),
      }),
      refused?.status ?? 200,
    );
  };

  /** What a refusal says, and at which field; a weak password is rated as the meter rates it. */
  const describe = async (
    ctx: Context,
    who: Who,
    problem: ChangePasswordProblem,
    next: string,
  ): Promise<Omit<Refusal, 'signOutOthers'>> => {
    const t = ac.chrome(ctx).t;
    switch (problem.kind) {
      case 'passwords_disabled':
      case 'no_password':
        return { error: t('account.password.none'), status: 400 };
      case 'rate_limited':
        return { error: ac.passwordLimited(ctx), status: 429, field: 'current' };
      case 'wrong_password':
        return { error: t('account.password.error.wrong'), status: 400, field: 'current' };
      case 'mismatch':
        return { error: t('account.password.error.mismatch'), status: 400, field: 'confirm' };
      case 'same_password':
        return { error: t('account.password.error.same'), status: 400, field: 'new' };
      case 'weak_password': {
        const emails = (await ac.settings.listEmails(who.user)).map((e) => e.email);
        const advice = passwordAdvice(t, next, ac.config.passwords.minimumComplexity, [
          who.user.localpart,
          who.user.displayName ?? '',
          ...emails,
        ]);
        return {
          error: t('account.password.error.weak', {
            reason: advice.acceptable ? problem.reason : advice.message,
          }),
          status: 400,
          field: 'new',
          passwordScore: advice.score,
        };
      }
    }
  };

  const view = viewHandler(ac, (ctx, who) => render(ctx, who));

  const change = formHandler(ac, ROUTE, async (ctx, who, form) => {
    const t = ac.chrome(ctx).t;
    const signOutOthers = form.sign_out_others === 'yes';
    const next = form.new_password ?? '';
    const changed = await ac.settings.changePassword(who.user, {
      current: form.current_password ?? '',
      next,
      confirmation: form.new_password_confirm ?? '',
      language: t.language,
      allowAttempt: () => ac.passwordAttempt(ctx, who.user),
    });
    if (!changed.ok)
      return render(ctx, who, { ...(await describe(ctx, who, changed.error, next)), signOutOthers });
    if (signOutOthers) await ac.settings.signOutEverywhereElse(who.user, who.sessionUid);
    ac.redirectDone(ctx, ROUTE, signOutOthers ? 'password_changed_signed_out' : 'password_changed');
  });

  return { render, handlers: { view, change } };
}
