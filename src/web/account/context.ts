import type { Context, Middleware } from 'koa';
import type { Config } from '../../config/config.js';
import { userId } from '../../domain/matrix-id.js';
import type { User } from '../../domain/user.js';
import type { EngineInteractions } from '../../oauth/interactions.js';
import type { AccountSettings } from '../../services/account-settings.js';
import type { CompatSessionService } from '../../services/compat-sessions.js';
import type { OAuthSessionService } from '../../services/oauth-sessions.js';
import type { SignInService } from '../../services/sign-in.js';
import type { UserService } from '../../services/users.js';
import { publicPath } from '../base-path.js';
import { readForm } from '../body.js';
import type { BrowserSession } from '../browser-session.js';
import { pageChrome } from '../chrome.js';
import type { Csrf } from '../csrf.js';
import type { MessageKey, Translate } from '../i18n.js';
import type { KnownBrowsers } from '../known-browser.js';
import { messagePage, type PageChrome } from '../layout.js';
import type { AccountFrame } from '../pages/account.js';
import { sendProblemPage } from '../problem-page.js';
import { PendingCodes } from './pending.js';
import { type AccountViewName, enabledViews, VIEW_ROUTES } from './views.js';

export interface AccountDependencies {
  config: Config;
  /** The engine's registered clients, to name the app of each device. */
  interactions: EngineInteractions;
  sessions: OAuthSessionService;
  users: UserService;
  csrf: Csrf;
  /** Devices signed in through the compatibility login API, listed and ended beside the OAuth ones. */
  compat: CompatSessionService;
  /** What the person may change about their account. */
  settings: AccountSettings;
  /** Who is signed in to these pages, through the engine's browser session. */
  browser: BrowserSession;
  /** Re-authentication: a password typed on these pages is a guess like one typed at sign-in. */
  signIn: SignInService;
  knownBrowsers: KnownBrowsers;
}

/** The signed-in person, and which browser session of theirs is asking. */
export interface Who {
  user: User;
  sessionUid: string;
}

/** Where the header's "Sign out" posts: this browser's session ends (devices.ts serves it). */
export const SIGN_OUT_ROUTE = '/account/sign-out';

/** Outcomes the views announce after an action (`?done=…`), by the message that says so. */
const DONE = {
  saved: 'account.done.saved',
  code_sent: 'account.done.code_sent',
  email_added: 'account.done.email_added',
  phone_added: 'account.done.phone_added',
  primary: 'account.done.primary',
  removed: 'account.done.removed',
  cancelled: 'account.done.cancelled',
  password_changed: 'account.done.password_changed',
  password_changed_signed_out: 'account.done.password_changed_signed_out',
  signed_out_others: 'account.done.signed_out_others',
  browser_ended: 'account.done.browser_ended',
} as const satisfies Record<string, MessageKey>;
export type Done = keyof typeof DONE;

/** What every account route shares. */
export interface AccountContext {
  deps: AccountDependencies;
  config: Config;
  settings: AccountSettings;
  browser: BrowserSession;
  pending: PendingCodes;
  chrome: (ctx: Context) => PageChrome;
  /** The views offered here, in navigation order. */
  views: AccountViewName[];
  /** The public path of a route (`/account/emails` → `/auth/account/emails` under a path prefix). */
  path(route: string): string;
  /** The frame of a view for this person: navigation, CSRF token, and the outcome to announce. */
  frame(ctx: Context, who: Who, current: AccountViewName | undefined, error?: string): AccountFrame;
  /** Answers an HTML page. */
  send(ctx: Context, body: string, status?: number): void;
  /** Back to a view's page, announcing what was done. */
  redirectDone(ctx: Context, route: string, done: Done): void;
  /**
   * One password attempt reserved under the sign-in limits, to be given back (`succeeded`) when the
   * password is right; undefined when this address, or this account in this browser, had too many wrong.
   */
  passwordAttempt(ctx: Context, user: User): { succeeded(): void } | undefined;
  /**
   * The sentence for a refused password attempt (`passwordAttempt` answered undefined): how many
   * minutes to wait, rounded up; sets `Retry-After` too.
   */
  passwordLimited(ctx: Context): string;
}

/** Where `passwordAttempt` leaves how long the limit holds, for the sentence that says so. */
const LIMITED_FOR = Symbol('password attempts limited for (ms)');

/** Minutes to wait, rounded up (never "0 minutes"). */
export function waitMinutes(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 60_000));
}

/**
 * "Try again in N minutes" in the page's language: `one` for a single minute, `other` with `{minutes}`
 * (the catalogs have no plural rules). Sets `Retry-After` as the login page does.
 */
export function waitSentence(
  ctx: Context,
  t: Translate,
  retryAfterMs: number,
  keys: { one: MessageKey; other: MessageKey },
): string {
  ctx.set('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  const minutes = waitMinutes(retryAfterMs);
  return minutes === 1 ? t(keys.one) : t(keys.other, { minutes: String(minutes) });
}

export function accountContext(deps: AccountDependencies): AccountContext {
  const { config, csrf } = deps;
  const root = config.http.publicBase.pathname;
  const path = (route: string) => publicPath(root, route);
  const chrome = pageChrome(config);
  const views = enabledViews(config);
  const { knownBrowsers, signIn } = deps;
  return {
    deps,
    config,
    settings: deps.settings,
    browser: deps.browser,
    pending: new PendingCodes(path('/account/'), config.http.publicBase.protocol === 'https:'),
    chrome,
    views,
    path,
    frame(ctx, who, current, error) {
      const t = chrome(ctx).t;
      const done = typeof ctx.query.done === 'string' ? ctx.query.done : undefined;
      const notice =
        done && Object.hasOwn(DONE, done)
          ? t(DONE[done as Done])
          : ctx.query.ended === '1'
            ? t('account.signed_out')
            : ctx.query.renamed === '1'
              ? t('account.renamed')
              : undefined;
      return {
        userId: userId(who.user.localpart, config.matrix.homeserver),
        nav: views.map((view) => ({ view, href: path(VIEW_ROUTES[view]) })),
        current,
        csrf: csrf.token(ctx),
        signOutUrl: path(SIGN_OUT_ROUTE),
        ...(notice && !error ? { notice } : {}),
        ...(error ? { error } : {}),
      };
    },
    send(ctx, body, status = 200) {
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = body;
    },
    redirectDone(ctx, route, done) {
      ctx.redirect(`${path(route)}?done=${done}`);
    },
    passwordAttempt(ctx, user) {
      const attempt = signIn.reserveReauthentication({
        user,
        address: ctx.state.clientAddress,
        knownBrowser: knownBrowsers.idFor(ctx, user.id),
      });
      if (!attempt.ok) {
        (ctx.state as Record<symbol, number>)[LIMITED_FOR] = attempt.retryAfterMs;
        return undefined;
      }
      return {
        succeeded: () => {
          attempt.succeeded();
          knownBrowsers.remember(ctx, user.id);
        },
      };
    },
    passwordLimited(ctx) {
      const limitedFor = (ctx.state as Record<symbol, number | undefined>)[LIMITED_FOR] ?? 60_000;
      return waitSentence(ctx, chrome(ctx).t, limitedFor, {
        one: 'account.password.error.rate_limited_one',
        other: 'account.password.error.rate_limited',
      });
    },
  };
}

/** A view's GET: for the signed-in person, else through sign-in and back. */
export function viewHandler(
  ac: AccountContext,
  handle: (ctx: Context, who: Who) => Promise<void>,
): Middleware {
  return async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const who = await ac.browser.current(ctx);
    if (!who) return ac.browser.signIn(ctx);
    await handle(ctx, who);
  };
}

/**
 * A form's POST: its CSRF token checked first (403), then the person (signed out meanwhile: through
 * sign-in back to `returnTo`, the page the form was on, since a POST cannot be replayed).
 */
export function formHandler(
  ac: AccountContext,
  returnTo: string,
  handle: (ctx: Context, who: Who, form: Record<string, string>) => Promise<void>,
): Middleware {
  return async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const form = await readForm(ctx);
    if (!ac.deps.csrf.verify(ctx, form.csrf))
      return sendProblemPage(ctx, ac.chrome(ctx), { kind: 'form_expired' });
    const who = await ac.browser.current(ctx);
    if (!who) return ac.browser.signIn(ctx, { returnTo });
    // Ids in paths are ULIDs or the engine's session uids; anything else names nothing (and a NUL
    // byte would not even reach PostgreSQL).
    const id = ctx.params?.id;
    if (id !== undefined && !RECORD_ID.test(id)) {
      const c = ac.chrome(ctx);
      return ac.send(ctx, messagePage(c, c.t('error.title'), c.t('account.contacts.error.not_found')), 404);
    }
    await handle(ctx, who, form);
  };
}

const RECORD_ID = /^[A-Za-z0-9_-]{1,64}$/;
