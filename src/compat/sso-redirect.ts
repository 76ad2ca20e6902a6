import type { Context, Middleware } from 'koa';
import type { Config } from '../config/config.js';
import { userId } from '../domain/matrix-id.js';
import type { EngineInteractions } from '../oauth/interactions.js';
import type { BrowserSessionService } from '../services/browser-sessions.js';
import type { CompatSessionService } from '../services/compat-sessions.js';
import { publicPath } from '../web/base-path.js';
import { readForm } from '../web/body.js';
import { browserSession } from '../web/browser-session.js';
import { pageChrome } from '../web/chrome.js';
import type { Csrf } from '../web/csrf.js';
import { messagePage } from '../web/layout.js';
import { ssoConfirmPage } from '../web/pages/sso-redirect.js';
import { sendProblemPage } from '../web/problem-page.js';

export interface SsoRedirectDependencies {
  config: Config;
  interactions: EngineInteractions;
  browserSessions: BrowserSessionService;
  csrf: Csrf;
  compat: CompatSessionService;
}

/**
 * `m.login.sso` for legacy clients: `GET /_matrix/client/{v3,r0}/login/sso/redirect[/{idpId}]
 * ?redirectUrl=…&action=login|register`. The browser signs in at mxauth (or registers, for
 * `action=register`), confirms which site gets access, and is sent to `redirectUrl` with a single-use
 * `loginToken` the client exchanges through `m.login.token`.
 *
 * `idpId` is accepted and ignored: there are no upstream identity providers yet, so every id, known or
 * not, means mxauth's own login (a client that remembered an id from elsewhere still gets a login page).
 */
/** `GET` asks (or signs in first), `POST` confirms; both at every path of src/routes.ts' SSO rows. */
export interface SsoRedirectHandlers {
  show: Middleware;
  confirm: Middleware;
}

export function ssoRedirectHandlers(deps: SsoRedirectDependencies): SsoRedirectHandlers {
  const { config, csrf, compat } = deps;
  const root = config.http.publicBase.pathname;
  const browser = browserSession(deps);
  const chrome = pageChrome(config);

  /** The client's redirect URL, when it is one a token may be sent to; else a 400 page is answered. */
  const redirectTarget = (ctx: Context): URL | undefined => {
    const raw = ctx.query.redirectUrl;
    const url = typeof raw === 'string' && URL.canParse(raw) ? new URL(raw) : undefined;
    if (url && (url.protocol === 'https:' || url.protocol === 'http:') && url.host !== '') return url;
    const c = chrome(ctx);
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = messagePage(c, c.t('sso.invalid_redirect.title'), c.t('sso.invalid_redirect'));
    return undefined;
  };

  const show = async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    const target = redirectTarget(ctx);
    if (!target) return;
    const user = await browser.signedInUser(ctx);
    if (!user) return browser.signIn(ctx, { register: ctx.query.action === 'register' });
    ctx.type = 'html';
    ctx.body = ssoConfirmPage(chrome(ctx), {
      // The form posts back here, query and all: the redirect URL is read (and checked) again then.
      action: publicPath(root, ctx.url),
      csrf: csrf.token(ctx),
      host: target.host,
      userId: userId(user.localpart, config.matrix.homeserver),
    });
  };

  const confirm = async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    const form = await readForm(ctx);
    if (!csrf.verify(ctx, form.csrf)) return sendProblemPage(ctx, chrome(ctx), { kind: 'form_expired' });
    const target = redirectTarget(ctx);
    if (!target) return;
    const user = await browser.signedInUser(ctx);
    // Signed out in the meantime: sign in again, back to the confirmation page.
    if (!user) return browser.signIn(ctx, { register: ctx.query.action === 'register' });
    const token = await compat.issueLoginToken(user.id);
    // The client's own query parameters stay as they were; the token is appended.
    const query = target.search.slice(1);
    target.search = `${query}${query ? '&' : ''}loginToken=${encodeURIComponent(token)}`;
    ctx.redirect(target.href);
  };

  return { show, confirm };
}
