import type { Context, Middleware } from 'koa';
import type { Config } from '../config/config.js';
import { validateEmail } from '../domain/email.js';
import { userId } from '../domain/matrix-id.js';
import { logPathAs } from '../http/request-log.js';
import type { Logger } from '../observability/logger.js';
import { addressBucket, type RateLimiter } from '../services/rate-limit.js';
import { RECOVERY_LINK_MINUTES, type RecoveryService } from '../services/recovery.js';
import { publicPath } from './base-path.js';
import { readForm } from './body.js';
import { pageChrome } from './chrome.js';
import { allowOnThisPage } from './csp.js';
import type { Csrf } from './csrf.js';
import { messagePage } from './layout.js';
import { STRENGTH_ROUTE } from './live-checks.js';
import { recoverRequestPage, recoverSentPage } from './pages/recover-request.js';
import { recoverDonePage, recoverExpiredPage, recoverResetPage } from './pages/recover-reset.js';
import { passwordAdvice } from './password-advice.js';
import { sendProblemPage } from './problem-page.js';

/** The recovery page, relative to public_base's path (rows in src/routes.ts); links are `<public_base>recover/<token>`. */
export const RECOVER_ROUTE = '/recover';

export interface RecoveryDependencies {
  config: Config;
  recovery: RecoveryService;
  limits: RecoveryLimits;
  csrf: Csrf;
  logger: Logger;
}

/** Asking for links and setting passwords (surfaces.ts sets them). */
export interface RecoveryLimits {
  /** Links asked for, per client address. */
  requestPerIp: RateLimiter;
  /** Links asked for, per address asked about. */
  requestPerAddress: RateLimiter;
  /** New passwords set, per client address. */
  resetPerIp: RateLimiter;
}

/**
 * Password recovery (`account.password_recovery_enabled`), outside any sign-in: someone who forgot their
 * password may have no authorization in progress. Asking for a link gives the same page whatever the
 * address; the link opens a form for a new password, once.
 */
export interface RecoveryHandlers {
  /** `GET /recover`: the form asking for a link. */
  requestForm: Middleware;
  request: Middleware;
  /** `GET /recover/:token`: the form for a new password. */
  resetForm: Middleware;
  reset: Middleware;
}

export function recoveryHandlers(deps: RecoveryDependencies): RecoveryHandlers {
  const { config, csrf, recovery } = deps;
  const root = config.http.publicBase.pathname;
  const chrome = pageChrome(config);
  const { limits } = deps;
  const requestPath = publicPath(root, RECOVER_ROUTE);

  const page = (ctx: Context, body: string, status = 200) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
  const enabled = (ctx: Context): boolean => {
    if (config.account.password_recovery_enabled) return true;
    const c = chrome(ctx);
    page(ctx, messagePage(c, c.t('recover.disabled_title'), c.t('recover.disabled')), 404);
    return false;
  };
  const form = async (ctx: Context): Promise<Record<string, string> | undefined> => {
    const body = await readForm(ctx);
    if (csrf.verify(ctx, body.csrf)) return body;
    sendProblemPage(ctx, chrome(ctx), { kind: 'form_expired' });
    return undefined;
  };
  /** The link's token is a credential: the request log writes the route instead of the path. */
  const hideToken = (ctx: Context) => logPathAs(ctx, `${RECOVER_ROUTE}/:token`);
  const renderRequest = (ctx: Context, extra: { email?: string; error?: string; status?: number } = {}) =>
    page(
      ctx,
      recoverRequestPage(chrome(ctx), {
        action: requestPath,
        csrf: csrf.token(ctx),
        email: extra.email,
        error: extra.error,
      }),
      extra.status,
    );
  const renderReset = (
    ctx: Context,
    token: string,
    localpart: string,
    extra: { error?: string; status?: number; passwordScore?: number } = {},
  ) => {
    const c = chrome(ctx);
    allowOnThisPage(ctx, { 'connect-src': ["'self'"] });
    page(
      ctx,
      recoverResetPage(c, {
        action: publicPath(root, `${RECOVER_ROUTE}/${token}`),
        csrf: csrf.token(ctx),
        userId: userId(localpart, config.matrix.homeserver),
        strengthUrl: publicPath(root, STRENGTH_ROUTE),
        scriptUrl: `${c.assetsBase}mxauth.js`,
        error: extra.error,
        passwordScore: extra.passwordScore,
      }),
      extra.status,
    );
  };
  const renderExpired = (ctx: Context) =>
    page(ctx, recoverExpiredPage(chrome(ctx), { requestUrl: requestPath }), 410);

  const requestForm: Middleware = (ctx) => {
    if (enabled(ctx)) renderRequest(ctx);
  };

  const request: Middleware = async (ctx) => {
    if (!enabled(ctx)) return;
    const body = await form(ctx);
    if (!body) return;
    const t = chrome(ctx).t;
    const typed = (body.email ?? '').trim();
    const email = validateEmail(typed);
    if (!email.ok)
      return renderRequest(ctx, { email: typed, error: t('register.email_invalid'), status: 400 });
    if (
      !limits.requestPerIp.take(addressBucket(ctx.state.clientAddress)).ok ||
      !limits.requestPerAddress.take(email.value.toLowerCase()).ok
    )
      return renderRequest(ctx, { email: typed, error: t('login.rate_limited'), status: 429 });
    // Not awaited: how long the lookup and the mail take must not tell whether the address is known.
    recovery.request(email.value, t.language).catch((e: unknown) => {
      deps.logger.error({ err: e }, 'recovery link not sent');
    });
    page(ctx, recoverSentPage(chrome(ctx), { email: email.value, minutes: RECOVERY_LINK_MINUTES }));
  };

  const resetForm: Middleware = async (ctx) => {
    hideToken(ctx);
    if (!enabled(ctx)) return;
    const token = ctx.params.token ?? '';
    const found = await recovery.find(token);
    if (!found) return renderExpired(ctx);
    renderReset(ctx, token, found.user.localpart);
  };

  const reset: Middleware = async (ctx) => {
    hideToken(ctx);
    if (!enabled(ctx)) return;
    const token = ctx.params.token ?? '';
    const body = await form(ctx);
    if (!body) return;
    const t = chrome(ctx).t;
    const found = await recovery.find(token);
    if (!found) return renderExpired(ctx);
    const localpart = found.user.localpart;
    if (!limits.resetPerIp.take(addressBucket(ctx.state.clientAddress)).ok)
      return renderReset(ctx, token, localpart, { error: t('login.rate_limited'), status: 429 });
    const password = body.password ?? '';
    if (!password) return renderReset(ctx, token, localpart, { error: t('password.empty'), status: 400 });
    if (password !== (body.password_confirm ?? ''))
      return renderReset(ctx, token, localpart, { error: t('register.mismatch'), status: 400 });
    const endSessions = Boolean(body.end_sessions);
    const reset = await recovery.reset(token, password, { endSessions, language: t.language });
    if (!reset.ok) {
      if (reset.error.kind === 'expired') return renderExpired(ctx);
      if (reset.error.kind === 'passwords_disabled')
        return renderReset(ctx, token, localpart, { error: t('register.passwords_disabled'), status: 400 });
      const advice = passwordAdvice(t, password, config.passwords.minimumComplexity, [
        localpart,
        found.user.displayName ?? '',
        ...(await recovery.addressesOf(found.user.id)),
      ]);
      return renderReset(ctx, token, localpart, {
        error: advice.message,
        passwordScore: advice.score,
        status: 400,
      });
    }
    page(
      ctx,
      recoverDonePage(chrome(ctx), { signInUrl: publicPath(root, '/account/'), sessionsEnded: endSessions }),
    );
  };

  return { requestForm, request, resetForm, reset };
}
