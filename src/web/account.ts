import Router from '@koa/router';
import type { Context } from 'koa';
import { contactRoutes } from './account/contacts.js';
import {
  type AccountDependencies,
  accountContext,
  formHandler,
  viewHandler,
  type Who,
} from './account/context.js';
import { deactivateRoutes } from './account/deactivate.js';
import { deviceRoutes } from './account/devices.js';
import { passwordRoutes } from './account/password.js';
import { profileRoutes } from './account/profile.js';
import { type AccountViewName, resolveAction } from './account/views.js';
import { SIGN_IN_CALLBACK_ROUTE } from './browser-session.js';
import { messagePage } from './layout.js';
import { crossSigningResetPage } from './pages/account.js';
import { sendProblemPage } from './problem-page.js';

export type { AccountDependencies } from './account/context.js';

/**
 * The account pages at `account_management_uri`: one view per concern (profile, email addresses, phone
 * numbers, password, devices, deactivation), each at its own URL, and every MSC4191 deep link
 * (`?action=…`) leading to its view. Signing in goes through the same authorization flow as any client,
 * with mxauth's own first-party client, so there is one login page and one browser session.
 */
export function accountRoutes(deps: AccountDependencies): Router {
  const router = new Router();
  const ac = accountContext(deps);

  router.get(SIGN_IN_CALLBACK_ROUTE, async (ctx) => {
    const returnTo = ac.browser.finishSignIn(ctx);
    if (!returnTo) return sendProblemPage(ctx, ac.chrome(ctx), { kind: 'sign_in_state_lost' });
    ctx.redirect(returnTo);
  });

  // Routes with fixed segments first: `/account/emails/codes/:id` before `/account/emails/:id/…`.
  const renderDevices = deviceRoutes(router, ac);
  const views: Partial<Record<AccountViewName, (ctx: Context, who: Who) => Promise<void>>> = {
    profile: profileRoutes(router, ac),
    ...contactRoutes(router, ac),
    devices: (ctx, who) => renderDevices(ctx, who),
  };
  if (ac.views.includes('password')) views.password = passwordRoutes(router, ac);
  if (ac.views.includes('deactivate')) views.deactivate = deactivateRoutes(router, ac);

  router.get(
    '/account/',
    viewHandler(ac, async (ctx, who) => {
      const target = resolveAction(ctx.query, ac.views);
      switch (target.kind) {
        case 'cross_signing_reset':
          return ac.send(
            ctx,
            crossSigningResetPage(ac.chrome(ctx), ac.frame(ctx, who, undefined), {
              action: ac.path('/account/cross-signing-reset'),
            }),
          );
        case 'device':
          return renderDevices(ctx, who, { focus: target });
        case 'view':
          return views[target.view]!(ctx, who);
      }
    }),
  );

  router.post(
    '/account/cross-signing-reset',
    formHandler(ac, '/account/?action=org.matrix.cross_signing_reset', async (ctx, who) => {
      const c = ac.chrome(ctx);
      const allowed = await deps.users.allowCrossSigningReset(who.user.id);
      ac.send(
        ctx,
        messagePage(
          c,
          c.t('account.cross_signing.title'),
          c.t(allowed.ok ? 'account.cross_signing.allowed' : 'account.cross_signing.unavailable'),
        ),
        allowed.ok ? 200 : 503,
      );
    }),
  );

  return router;
}
