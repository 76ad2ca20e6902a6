import type { Context, Middleware } from 'koa';
import type { Config } from '../../config/config.js';
import { localpartFromInput } from '../../domain/matrix-id.js';
import { ACCOUNT_CLIENT_ID } from '../../oauth/provider.js';
import type { SignInService } from '../../services/sign-in.js';
import { publicPath } from '../base-path.js';
import type { Csrf } from '../csrf.js';
import type { Details, InteractionKit } from '../interaction-kit.js';
import type { KnownBrowsers } from '../known-browser.js';
import { loginPage } from '../pages/login.js';
import { RECOVER_ROUTE } from '../recovery.js';
import type { ClientNames } from './client-name.js';
import type { SignInCompletion } from './complete-sign-in.js';

export type ShowLogin = (
  ctx: Context,
  d: Details,
  extra?: { error?: string; username?: string; status?: number },
) => Promise<void>;

/** The sign-in form of an interaction, prefilled from `login_hint`. */
export function loginForm(
  kit: Omit<InteractionKit, 'login'>,
  deps: { config: Config; csrf: Csrf; clientName: ClientNames; upstream: boolean },
): ShowLogin {
  const { config, csrf } = deps;
  const root = config.http.publicBase.pathname;
  const providers = deps.upstream ? config.upstream.filter((p) => p.enabled) : [];
  return async (ctx, d, extra = {}) => {
    const c = kit.chrome(ctx);
    const clientId = String(d.params.client_id);
    // mxauth's own account pages are named in the person's language, not by their registered name.
    const clientName =
      clientId === ACCOUNT_CLIENT_ID
        ? c.t('client.account_name', { service: c.frame?.serviceName ?? c.serverName })
        : (await deps.clientName(clientId, c.t.language)).name;
    kit.page(
      ctx,
      loginPage(c, {
        action: kit.step(d, 'login'),
        csrf: csrf.token(ctx),
        clientName,
        username: extra.username ?? loginHint(d, config.matrix.homeserver),
        error: extra.error,
        allowEmail: config.account.login_with_email_allowed,
        registerUrl: config.account.password_registration_enabled ? kit.step(d, 'register') : undefined,
        forgotUrl: config.account.password_recovery_enabled ? publicPath(root, RECOVER_ROUTE) : undefined,
        passwords: config.passwords.enabled,
        providers: providers.map((p) => ({
          name: p.humanName,
          brand: p.brandName,
          url: publicPath(root, `/upstream/authorize/${p.id}?interaction=${encodeURIComponent(d.uid)}`),
        })),
      }),
      extra.status,
    );
  };
}

/** `GET /login` (the form) and `POST /login` (the check). */
export interface LoginHandlers {
  form: Middleware;
  submit: Middleware;
}

/** A password sign-in, completed by complete-sign-in.ts. */
export function loginHandlers(
  kit: InteractionKit,
  deps: {
    config: Config;
    signIn: SignInService;
    knownBrowsers: KnownBrowsers;
    completion: SignInCompletion;
    show: ShowLogin;
  },
): LoginHandlers {
  const { signIn, knownBrowsers, completion, show } = deps;
  const serverName = deps.config.matrix.homeserver;

  const form: Middleware = async (ctx) => {
    const d = await kit.details(ctx);
    if (d) await show(ctx, d);
  };

  const submit: Middleware = async (ctx) => {
    const body = await kit.form(ctx);
    if (!body) return;
    const d = await kit.details(ctx);
    if (!d) return;
    const t = kit.chrome(ctx).t;
    const username = (body.username ?? '').trim();
    const result = await signIn.signIn({
      identifier: { kind: 'typed', value: username },
      password: body.password ?? '',
      address: ctx.state.clientAddress,
      // A browser that signed in to this account before is not held by what guesses elsewhere used up.
      knownBrowser: knownBrowsers.present(ctx) ? (id) => knownBrowsers.idFor(ctx, id) : undefined,
    });
    if (!result.ok) {
      if (result.problem === 'limited') {
        const error =
          result.by === 'account'
            ? t('login.rate_limited_account', { minutes: String(Math.ceil(result.retryAfterMs / 60_000)) })
            : t('login.rate_limited');
        ctx.set('Retry-After', String(Math.ceil(result.retryAfterMs / 1000)));
        return show(ctx, d, { error, username, status: 429 });
      }
      const error =
        result.problem === 'locked'
          ? t('login.locked', { server: serverName })
          : result.problem === 'deactivated'
            ? t('login.deactivated')
            : t('login.invalid');
      return show(ctx, d, { error, username, status: 401 });
    }
    knownBrowsers.remember(ctx, result.user.id);
    await completion.complete(ctx, d, { userId: result.user.id, method: 'password' });
  };

  return { form, submit };
}

/** `login_hint=mxid:@alice:example.org` (MSC4198) for this server, or an email, prefills the form. */
function loginHint(d: Details, serverName: string): string | undefined {
  const hint = typeof d.params.login_hint === 'string' ? d.params.login_hint : undefined;
  if (!hint) return undefined;
  if (hint.startsWith('mxid:')) {
    const localpart = localpartFromInput(hint.slice(5), serverName);
    return localpart.ok ? localpart.value : undefined;
  }
  return hint.includes('@') ? hint : undefined;
}
