import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import { type Clock, systemClock } from '../domain/clock.js';
import { cryptoRng, type Rng } from '../domain/random.js';
import type { User } from '../domain/user.js';
import { cookieName } from '../http/cookie-names.js';
import type { EngineInteractions } from '../oauth/interactions.js';
import { ACCOUNT_CLIENT_ID, ROUTES } from '../oauth/provider.js';
import type { BrowserSessionService } from '../services/browser-sessions.js';
import { publicPath } from './base-path.js';

const STATE_COOKIE = 'mxauth-account-state';

/** The routes (below public_base's path) a sign-in may come back to: mxauth's own pages only. */
const RETURN_ROUTES = [
  '/account/',
  '/_matrix/client/v3/login/sso/redirect',
  '/_matrix/client/r0/login/sso/redirect',
];

/** The route mxauth's first-party client gets its authorization answers at (served by the account routes). */
export const SIGN_IN_CALLBACK_ROUTE = '/account/callback';

export interface BrowserSession {
  /** The user signed in to mxauth in this browser, unless locked or deactivated. */
  signedInUser(ctx: Context): Promise<User | undefined>;
  /** The same, with the engine session's uid (the id of the browser's row on the account page). */
  current(ctx: Context): Promise<{ user: User; sessionUid: string } | undefined>;
  /**
   * Sends the browser through mxauth's sign-in (or, with `register`, its registration page), with
   * mxauth's own first-party client, coming back to the current URL (or to `returnTo`, a route below
   * the public root: a form posted while signed out comes back to its page, not to the POST URL).
   */
  signIn(ctx: Context, options?: { register?: boolean; returnTo?: string }): void;
  /**
   * Ends a sign-in at the callback: the URL to go back to, or undefined when the state does not match
   * the one this browser started with (or names a page that is not a return route).
   */
  finishSignIn(ctx: Context): string | undefined;
}

/** A browser's row is written at most this often: every page view would otherwise be a write. */
const TOUCH_INTERVAL_MS = 60_000;
/** Sessions remembered for that throttle; beyond it the oldest half is forgotten (one extra write each). */
const TOUCH_MEMORY = 10_000;

/**
 * The browser's session at mxauth, for mxauth's own pages (the account page, the SSO redirect of the
 * compatibility API). Signing in goes through the same authorization flow as any client, so there is one
 * login page and one browser session. Each browser seen signed in is recorded (`browser_sessions`, by
 * the engine session's uid) with its address and user agent, so the account page can list it.
 */
export function browserSession(deps: {
  config: Config;
  interactions: EngineInteractions;
  browserSessions: BrowserSessionService;
  clock?: Clock;
  rng?: Rng;
}): BrowserSession {
  const { config, interactions, browserSessions } = deps;
  const clock = deps.clock ?? systemClock;
  const rng = deps.rng ?? cryptoRng;
  const touched = new Map<string, number>();
  const base = config.http.publicBase;
  // Routes match below public_base's path; the URLs, redirects and cookie paths printed include it.
  const root = base.pathname;
  const accountPath = publicPath(root, '/account/');
  const callback = new URL(SIGN_IN_CALLBACK_ROUTE.slice(1), base).href;
  const returnPaths = RETURN_ROUTES.map((route) => publicPath(root, route));
  const secure = base.protocol === 'https:';
  const stateCookie = cookieName(STATE_COOKIE, secure, accountPath);

  /** Records the browser's activity, at most once a minute per session. */
  const touch = async (ctx: Context, uid: string, userId: string): Promise<void> => {
    const now = clock.now().getTime();
    const last = touched.get(uid);
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return;
    if (touched.size >= TOUCH_MEMORY) {
      let drop = TOUCH_MEMORY / 2;
      for (const key of touched.keys()) {
        touched.delete(key);
        if (--drop === 0) break;
      }
    }
    touched.set(uid, now);
    const userAgent = ctx.get('user-agent').slice(0, 512);
    await browserSessions.recordActivity({
      id: uid,
      userId,
      ip: ctx.state.clientAddress ?? null,
      userAgent: userAgent === '' ? null : userAgent,
    });
  };

  const current: BrowserSession['current'] = async (ctx) => {
    const session = await interactions.browserSession(ctx);
    const accountId = session.accountId;
    if (!accountId) return undefined;
    const user = await browserSessions.signedInUser(accountId);
    if (!user) return undefined;
    await touch(ctx, session.uid, user.id);
    return { user, sessionUid: session.uid };
  };

  return {
    current,

    async signedInUser(ctx) {
      return (await current(ctx))?.user;
    },

    signIn(ctx, options = {}) {
      const state = Buffer.from(rng.bytes(16)).toString('base64url');
      // ctx.url is below the root however the request arrived (prefix stripped by mxauth or the proxy).
      // The cookie lives at the account path, where the callback is, whichever page started the sign-in.
      const returnTo = publicPath(root, options.returnTo ?? ctx.url);
      ctx.cookies.set(stateCookie, `${state}.${returnTo}`, {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: accountPath,
        overwrite: true,
      });
      const authorize = new URL(ROUTES.authorization.slice(1), base);
      authorize.search = new URLSearchParams({
        client_id: ACCOUNT_CLIENT_ID,
        redirect_uri: callback,
        response_type: 'code',
        scope: 'openid',
        state,
        // PKCE is mandatory for public clients; the code is never exchanged, only the session matters.
        code_challenge: createHash('sha256').update(rng.bytes(32)).digest('base64url'),
        code_challenge_method: 'S256',
        ...(typeof ctx.query.login_hint === 'string' ? { login_hint: ctx.query.login_hint } : {}),
        // prompt=create is only known to the engine while registration is open; otherwise sign in.
        ...(options.register && config.account.password_registration_enabled ? { prompt: 'create' } : {}),
      }).toString();
      ctx.redirect(authorize.href);
    },

    finishSignIn(ctx) {
      const saved = ctx.cookies.get(stateCookie) ?? '';
      const dot = saved.indexOf('.');
      const returnTo = saved.slice(dot + 1);
      ctx.cookies.set(stateCookie, '', { path: accountPath, maxAge: 0 });
      if (dot === -1 || saved.slice(0, dot) !== ctx.query.state) return undefined;
      if (!returnPaths.some((path) => returnTo.startsWith(path))) return undefined;
      return returnTo;
    },
  };
}
