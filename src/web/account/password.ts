import type { Context, Middleware } from 'koa';
import type { ChangePasswordProblem } from '../../services/account-settings.js';
import type { Translate } from '../i18n.js';
import { passwordPage } from '../pages/account-password.js';
import { type AccountContext, formHandler, viewHandler, type Who } from './context.js';
import { VIEW_ROUTES } from './views.js';

const ROUTE = VIEW_ROUTES.password;

interface Refusal {
  error: string;
  status: number;
  invalid?: 'current' | 'new';
  signOutOthers?: boolean;
}

function describe(t: Translate, problem: ChangePasswordProblem): Omit<Refusal, 'signOutOthers'> {
  switch (problem.kind) {
    case 'passwords_disabled':
    case 'no_password':
      return { error: t('account.password.none'), status: 400 };
    case 'rate_limited':
      return { error: t('account.password.error.rate_limited'), status: 429, invalid: 'current' };
    case 'wrong_password':
      return { error: t('account.password.error.wrong'), status: 400, invalid: 'current' };
    case 'mismatch':
      return { error: t('account.password.error.mismatch'), status: 400, invalid: 'new' };
    case 'same_password':
      return { error: t('account.password.error.same'), status: 400, invalid: 'new' };
    case 'weak_password':
      return {
        error: t('account.password.error.weak', { reason: problem.reason }),
        status: 400,
        invalid: 'new',
      };
  }
}

export interface PasswordHandlers {
  view: Middleware;
  change: Middleware;
}

/**
 * The password view: the current password (limited like sign-in), the new one twice under the strength
 * policy, and optionally signing out everywhere else. The primary address is told by mail.
 */
export function passwordHandlers(ac: AccountContext): {
  render: (ctx: Context, who: Who) => Promise<void>;
  handlers: PasswordHandlers;
} {
  const render = async (ctx: Context, who: Who, refused?: Refusal) => {
    const hasPassword = await ac.settings.hasPassword(who.user);
    ac.send(
      ctx,
      passwordPage(ac.chrome(ctx), ac.frame(ctx, who, 'password', refused?.error), {
        ...(hasPassword ? { action: ac.path(ROUTE) } : {}),
        ...(refused?.invalid ? { invalid: refused.invalid } : {}),
        ...(refused?.signOutOthers ? { signOutOthers: true } : {}),
      }),
      refused?.status ?? 200,
    );
  };

  const view = viewHandler(ac, (ctx, who) => render(ctx, who));

  const change = formHandler(ac, ROUTE, async (ctx, who, form) => {
    const t = ac.chrome(ctx).t;
    const signOutOthers = form.sign_out_others === 'yes';
    const changed = await ac.settings.changePassword(who.user, {
      current: form.current_password ?? '',
      next: form.new_password ?? '',
      confirmation: form.new_password_confirm ?? '',
      language: t.language,
      allowAttempt: () => ac.passwordAttempt(ctx, who.user),
    });
    if (!changed.ok) return render(ctx, who, { ...describe(t, changed.error), signOutOthers });
    if (signOutOthers) await ac.settings.signOutEverywhereElse(who.user, who.sessionUid);
    ac.redirectDone(ctx, ROUTE, signOutOthers ? 'password_changed_signed_out' : 'password_changed');
  });

  return { render, handlers: { view, change } };
}
