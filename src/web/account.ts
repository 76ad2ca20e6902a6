import type { Context, Middleware } from 'koa';
import { type ContactHandlers, contactHandlers } from './account/contacts.js';
import {
  type AccountDependencies,
  accountContext,
  formHandler,
  viewHandler,
  type Who,
} from './account/context.js';
import { type DeactivateHandlers, deactivateHandlers } from './account/deactivate.js';
import { type DeviceHandlers, deviceHandlers } from './account/devices.js';
import { type PasswordHandlers, passwordHandlers } from './account/password.js';
import { type ProfileHandlers, profileHandlers } from './account/profile.js';
import { type AccountViewName, resolveAction } from './account/views.js';
import { publicPath } from './base-path.js';
import { messagePage } from './layout.js';
import { crossSigningResetPage } from './pages/account.js';
import { sendAuthorizationError, sendProblemPage } from './problem-page.js';

export type { AccountDependencies } from './account/context.js';

/** The account pages' handlers (their paths are in src/routes.ts); a view that is off has none. */
export interface AccountHandlers {
  /** Where signing in to these pages comes back to. */
  callback: Middleware;
  /** `/account/`: the default view, or the one an MSC4191 deep link (`?action=…`) asks for. */
  overview: Middleware;
  crossSigningReset: Middleware;
  profile: ProfileHandlers;
  emails: ContactHandlers;
  phones?: ContactHandlers;
  password?: PasswordHandlers;
  devices: DeviceHandlers;
  deactivate?: DeactivateHandlers;
}

/**
 * The account pages at `account_management_uri`: one view per concern (profile, email addresses, phone
 * numbers, password, devices, deactivation), each at its own URL, and every MSC4191 deep link
 * (`?action=…`) leading to its view. Signing in goes through the same authorization flow as any client,
 * with mxauth's own first-party client, so there is one login page and one browser session.
 */
export function accountHandlers(deps: AccountDependencies): AccountHandlers {
  const ac = accountContext(deps);

  const startAgain = publicPath(deps.config.http.publicBase.pathname, '/account/');
  const callback: Middleware = async (ctx) => {
    const returnTo = ac.browser.finishSignIn(ctx);
    const error = typeof ctx.query.error === 'string' ? ctx.query.error : undefined;
    // The authorization ended without a sign-in (cancelled, or a request that was not valid): say
    // which in the person's words, whether or not the state came back with it.
    // Only an OAuth error code's spelling is shown: the query is anyone's to write.
    if (error)
      return sendAuthorizationError(
        ctx,
        ac.chrome(ctx),
        /^[a-z_]{1,64}$/.test(error) ? error : 'invalid_request',
        startAgain,
      );
    if (!returnTo) return sendProblemPage(ctx, ac.chrome(ctx), { kind: 'sign_in_state_lost' }, startAgain);
    ctx.redirect(returnTo);
  };

  const devices = deviceHandlers(ac);
  const profile = profileHandlers(ac);
  const contacts = contactHandlers(ac);
  const password = ac.views.includes('password') ? passwordHandlers(ac) : undefined;
  const deactivate = ac.views.includes('deactivate') ? deactivateHandlers(ac) : undefined;
  const views: Partial<Record<AccountViewName, (ctx: Context, who: Who) => Promise<void>>> = {
    profile: profile.render,
    emails: contacts.emails.render,
    ...(contacts.phones ? { phones: contacts.phones.render } : {}),
    devices: (ctx, who) => devices.render(ctx, who),
    ...(password ? { password: password.render } : {}),
    ...(deactivate ? { deactivate: deactivate.render } : {}),
  };

  const overview = viewHandler(ac, async (ctx, who) => {
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
        return devices.render(ctx, who, { focus: target });
      case 'view':
        return views[target.view]!(ctx, who);
    }
  });

  const crossSigningReset = formHandler(
    ac,
    '/account/?action=org.matrix.cross_signing_reset',
    async (ctx, who) => {
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
    },
  );

  return {
    callback,
    overview,
    crossSigningReset,
    profile: profile.handlers,
    emails: contacts.emails.handlers,
    ...(contacts.phones ? { phones: contacts.phones.handlers } : {}),
    ...(password ? { password: password.handlers } : {}),
    devices: devices.handlers,
    ...(deactivate ? { deactivate: deactivate.handlers } : {}),
  };
}
