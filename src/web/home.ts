import type { Middleware } from 'koa';
import type { Config } from '../config/config.js';
import { userId } from '../domain/matrix-id.js';
import { publicPath } from './base-path.js';
import type { BrowserSession } from './browser-session.js';
import { pageChrome } from './chrome.js';
import { homePage } from './pages/home.js';

/** The start page and its "create an account" link (rows in src/routes.ts). */
export interface HomeHandlers {
  /** `GET /`: where a person who typed the address lands, and where every error page leads back. */
  index: Middleware;
  /** `GET /register`: the registration page, through the same sign-in flow as any app's. */
  register?: Middleware;
}

export function homeHandlers(deps: { config: Config; browser: BrowserSession }): HomeHandlers {
  const { config, browser } = deps;
  const root = config.http.publicBase.pathname;
  const chrome = pageChrome(config);
  const accountUrl = publicPath(root, '/account/');
  const registering = config.account.password_registration_enabled;
  return {
    index: async (ctx) => {
      const user = await browser.signedInUser(ctx);
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'html';
      ctx.body = homePage(chrome(ctx), {
        ...(user ? { signedInAs: userId(user.localpart, config.matrix.homeserver) } : {}),
        accountUrl,
        ...(registering ? { registerUrl: publicPath(root, '/register') } : {}),
      });
    },
    ...(registering
      ? {
          register: async (ctx) => {
            if (await browser.signedInUser(ctx)) return ctx.redirect(accountUrl);
            browser.signIn(ctx, { register: true, returnTo: '/account/' });
          },
        }
      : {}),
  };
}
