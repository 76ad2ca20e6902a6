import type { Context, Middleware } from 'koa';
import { MAX_DISPLAY_NAME_LENGTH } from '../../domain/display-name.js';
import type { DisplayNameProblem } from '../../services/account-settings.js';
import type { MessageKey } from '../i18n.js';
import { profilePage } from '../pages/account-profile.js';
import { type AccountContext, formHandler, viewHandler, type Who } from './context.js';
import { VIEW_ROUTES } from './views.js';

const ROUTE = VIEW_ROUTES.profile;

const PROBLEMS: Record<DisplayNameProblem['kind'], MessageKey> = {
  empty: 'account.profile.error.empty',
  too_long: 'account.profile.error.too_long',
  control_characters: 'account.profile.error.control_characters',
};

export interface ProfileHandlers {
  view: Middleware;
  save: Middleware;
}

/** The profile view: the Matrix user id, and the display name (saved here and on the homeserver). */
export function profileHandlers(ac: AccountContext): {
  render: (ctx: Context, who: Who) => Promise<void>;
  handlers: ProfileHandlers;
} {
  const allowed = ac.config.account.displayname_change_allowed;

  const render = async (
    ctx: Context,
    who: Who,
    refused?: { error: string; typed: string; status: number },
  ) => {
    const frame = ac.frame(ctx, who, 'profile', refused?.error);
    ac.send(
      ctx,
      profilePage(ac.chrome(ctx), frame, {
        userId: frame.userId,
        displayName: who.user.displayName,
        ...(allowed ? { action: ac.path(ROUTE) } : {}),
        ...(refused ? { typed: refused.typed } : {}),
      }),
      refused?.status ?? 200,
    );
  };

  const view = viewHandler(ac, async (ctx, who) => render(ctx, who));

  const save = formHandler(ac, ROUTE, async (ctx, who, form) => {
    const t = ac.chrome(ctx).t;
    if (!allowed)
      return render(ctx, who, { error: t('account.profile.display_name_locked'), typed: '', status: 403 });
    const typed = form.displayname ?? '';
    const saved = await ac.settings.setDisplayName(who.user, typed);
    if (!saved.ok) {
      const error = t(PROBLEMS[saved.error.kind], { max: String(MAX_DISPLAY_NAME_LENGTH) });
      return render(ctx, who, { error, typed, status: 400 });
    }
    ac.redirectDone(ctx, ROUTE, 'saved');
  });

  return { render, handlers: { view, save } };
}
