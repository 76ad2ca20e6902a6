import type { Context, Middleware } from 'koa';
import { messagePage } from '../layout.js';
import { deactivatePage } from '../pages/account-deactivate.js';
import { type AccountContext, formHandler, viewHandler, type Who } from './context.js';
import { VIEW_ROUTES } from './views.js';

const ROUTE = VIEW_ROUTES.deactivate;

export interface DeactivateHandlers {
  view: Middleware;
  deactivate: Middleware;
}

/**
 * The deactivation view: a warning, the password again (or the username typed out, for an account
 * without a password), and whether to erase the data on the homeserver too. Then a final page: every
 * session of the account has ended, this browser's included.
 */
export function deactivateHandlers(ac: AccountContext): {
  render: (ctx: Context, who: Who) => Promise<void>;
  handlers: DeactivateHandlers;
} {
  const render = async (
    ctx: Context,
    who: Who,
    refused?: { error: string; status: number; erase: boolean },
  ) => {
    const proof = (await ac.settings.hasPassword(who.user))
      ? ({ kind: 'password' } as const)
      : ({ kind: 'username', localpart: who.user.localpart } as const);
    ac.send(
      ctx,
      deactivatePage(ac.chrome(ctx), ac.frame(ctx, who, 'deactivate', refused?.error), {
        action: ac.path(ROUTE),
        proof,
        ...(refused?.erase ? { erase: true } : {}),
      }),
      refused?.status ?? 200,
    );
  };

  const view = viewHandler(ac, (ctx, who) => render(ctx, who));

  const deactivate = formHandler(ac, ROUTE, async (ctx, who, form) => {
    const t = ac.chrome(ctx).t;
    const erase = form.erase === 'yes';
    const done = await ac.settings.deactivate(who.user, {
      password: form.password ?? '',
      confirmation: form.confirmation ?? '',
      erase,
      allowAttempt: () => ac.passwordAttempt(ctx, who.user),
    });
    if (!done.ok) {
      const kind = done.error.kind;
      return render(ctx, who, {
        error:
          kind === 'rate_limited'
            ? ac.passwordLimited(ctx)
            : t(
                kind === 'wrong_password'
                  ? 'account.password.error.wrong'
                  : 'account.deactivate.error.confirmation',
              ),
        status: kind === 'rate_limited' ? 429 : 400,
        erase,
      });
    }
    const c = ac.chrome(ctx);
    ac.send(ctx, messagePage(c, t('account.deactivated.title'), t('account.deactivated.body')));
  });

  return { render, handlers: { view, deactivate } };
}
