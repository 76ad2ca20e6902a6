import Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import { localpartFromInput, userId } from '../domain/matrix-id.js';
import { parseMatrixScope, SCOPE_SYNAPSE_ADMIN } from '../domain/matrix-scopes.js';
import { ACCOUNT_CLIENT_ID, type OAuthEngine } from '../oauth/provider.js';
import { addressBucket, type RateLimiter } from '../services/rate-limit.js';
import { describeRegisterProblem, type UserService } from '../services/users.js';
import type { Storage } from '../storage/storage.js';
import { publicPath } from './base-path.js';
import { readForm } from './body.js';
import { pageChrome } from './chrome.js';
import type { Csrf } from './csrf.js';
import { messagePage } from './layout.js';
import { consentPage } from './pages/consent.js';
import { loginPage } from './pages/login.js';
import { registerPage } from './pages/register.js';

export interface InteractionDependencies {
  config: Config;
  engine: OAuthEngine;
  users: UserService;
  storage: Storage;
  csrf: Csrf;
  loginLimits: { perIp: RateLimiter; perAccount: RateLimiter };
}

type Details = Awaited<ReturnType<OAuthEngine['interactionDetails']>>;

/**
 * The pages of an authorization in progress: sign in, create an account, consent. The engine sends the
 * browser to /interaction/:uid; each step ends with `interactionFinished`, which sends it back.
 */
export function interactionRoutes(deps: InteractionDependencies): Router {
  const { config, engine, users, storage, csrf } = deps;
  const serverName = config.matrix.homeserver;
  const router = new Router({ prefix: '/interaction/:uid' });
  // Routes match below public_base's path; the links and form actions printed include it.
  const root = config.http.publicBase.pathname;
  const step = (d: Details, name: string) => publicPath(root, `/interaction/${d.uid}/${name}`);

  const chrome = pageChrome(config);
  const page = (ctx: Context, body: string, status = 200) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };

  /** The interaction this browser is in, or an error page when its cookie is missing or expired. */
  const details = async (ctx: Context): Promise<Details | undefined> => {
    try {
      const found = await engine.interactionDetails(ctx.req, ctx.res);
      if (found.uid !== ctx.params.uid) throw new Error('interaction mismatch');
      return found;
    } catch (e) {
      // A missing or expired interaction is the browser's problem; anything else is ours (a 500, logged).
      if (
        !['SessionNotFound', 'InvalidRequest'].includes((e as Error).name) &&
        (e as Error).message !== 'interaction mismatch'
      )
        throw e;
      const c = chrome(ctx);
      page(
        ctx,
        messagePage(
          c,
          c.t('error.title'),
          'This sign-in has expired or was opened in another browser. Go back to the app and start again.',
        ),
        400,
      );
      return undefined;
    }
  };

  const clientName = async (clientId: string, language: string) => {
    const client = await engine.Client.find(clientId);
    const localized = await storage.clientLocalizations.list(clientId);
    const pick = (field: string, fallback: unknown) =>
      localized.find((l) => l.field === field && l.language === language)?.value ??
      localized.find((l) => l.field === field && l.language.split('-')[0] === language)?.value ??
      (typeof fallback === 'string' ? fallback : undefined);
    const clientUri = pick('client_uri', client?.clientUri);
    return {
      name: pick('client_name', client?.clientName) ?? clientId,
      logoUri: pick('logo_uri', client?.logoUri),
      host: clientUri ? URL.parse(clientUri)?.host : undefined,
    };
  };

  const renderLogin = async (
    ctx: Context,
    d: Details,
    extra: { error?: string; username?: string; status?: number } = {},
  ) => {
    const c = chrome(ctx);
    const client = await clientName(String(d.params.client_id), c.t.language);
    page(
      ctx,
      loginPage(c, {
        action: step(d, 'login'),
        csrf: csrf.token(ctx),
        clientName: client.name,
        username: extra.username ?? loginHint(d, serverName),
        error: extra.error,
        allowEmail: config.account.login_with_email_allowed,
        registerUrl: config.account.password_registration_enabled ? step(d, 'register') : undefined,
      }),
      extra.status,
    );
  };

  const renderRegister = (
    ctx: Context,
    d: Details,
    extra: { error?: string; username?: string; status?: number } = {},
  ) =>
    page(
      ctx,
      registerPage(chrome(ctx), {
        action: step(d, 'register'),
        csrf: csrf.token(ctx),
        username: extra.username,
        error: extra.error,
        loginUrl: step(d, 'login'),
      }),
      extra.status,
    );

  const renderConsent = async (ctx: Context, d: Details) => {
    const c = chrome(ctx);
    const user = d.session?.accountId ? await storage.users.findById(d.session.accountId) : undefined;
    if (!user) return renderLogin(ctx, d);
    const client = await clientName(String(d.params.client_id), c.t.language);
    const scope = parseMatrixScope(String(d.params.scope ?? ''));
    const matrix = scope.ok ? scope.value : undefined;
    page(
      ctx,
      consentPage(c, {
        action: step(d, 'consent'),
        csrf: csrf.token(ctx),
        clientName: client.name,
        clientHost: client.host,
        logoUri: client.logoUri,
        userId: userId(user.localpart, serverName),
        deviceId: matrix?.deviceId,
        fullAccess: matrix?.api ?? false,
        admin: matrix?.admin ?? false,
        openid: matrix?.others.includes('openid') ?? false,
        email: matrix?.others.includes('email') ?? false,
        switchUserUrl: step(d, 'login'),
      }),
    );
  };

  router.get('/', async (ctx) => {
    const d = await details(ctx);
    if (!d) return;
    if (d.prompt.name === 'create') return renderRegister(ctx, d);
    if (d.prompt.name === 'login') return renderLogin(ctx, d);
    // mxauth's own account page needs no consent to sign in to mxauth.
    if (d.prompt.name === 'consent' && d.params.client_id === ACCOUNT_CLIENT_ID && d.session?.accountId)
      return grantConsent(ctx, d, d.session.accountId);
    return renderConsent(ctx, d);
  });
  router.get('/login', async (ctx) => {
    const d = await details(ctx);
    if (d) await renderLogin(ctx, d);
  });
  router.get('/register', async (ctx) => {
    const d = await details(ctx);
    if (!d) return;
    if (!config.account.password_registration_enabled) return renderLogin(ctx, d, { status: 404 });
    renderRegister(ctx, d);
  });

  /** Reads the form and checks its CSRF token; answers the request itself when the check fails. */
  const form = async (ctx: Context): Promise<Record<string, string> | undefined> => {
    const body = await readForm(ctx);
    if (csrf.verify(ctx, body.csrf)) return body;
    const c = chrome(ctx);
    page(ctx, messagePage(c, c.t('error.title'), c.t('error.csrf')), 403);
    return undefined;
  };

  router.post('/login', async (ctx) => {
    const body = await form(ctx);
    if (!body) return;
    const d = await details(ctx);
    if (!d) return;
    const t = chrome(ctx).t;
    const username = (body.username ?? '').trim();
    const localpart = await resolveLogin(username);
    const limited =
      deps.loginLimits.perIp.take(addressBucket(ctx.state.clientAddress)).ok === false ||
      deps.loginLimits.perAccount.take(localpart ?? username).ok === false;
    if (limited) return renderLogin(ctx, d, { error: t('login.rate_limited'), username, status: 429 });
    // An unknown name still costs a full password check, so timing does not tell which names exist.
    const result = await users.checkPassword(localpart ?? '', body.password ?? '');
    if (!result.ok) {
      const kind = result.error.kind;
      const error =
        kind === 'locked'
          ? t('login.locked', { server: serverName })
          : kind === 'deactivated'
            ? t('login.deactivated')
            : t('login.invalid');
      return renderLogin(ctx, d, { error, username, status: 401 });
    }
    await finish(ctx, { login: { accountId: result.value.id, remember: true } }, false);
  });

  router.post('/register', async (ctx) => {
    const body = await form(ctx);
    if (!body) return;
    const d = await details(ctx);
    if (!d) return;
    if (!config.account.password_registration_enabled) return renderLogin(ctx, d, { status: 404 });
    const t = chrome(ctx).t;
    const username = (body.username ?? '').trim();
    if ((body.password ?? '') !== (body.password_confirm ?? ''))
      return renderRegister(ctx, d, { error: t('register.mismatch'), username, status: 400 });
    if (deps.loginLimits.perIp.take(addressBucket(ctx.state.clientAddress)).ok === false)
      return renderRegister(ctx, d, { error: t('login.rate_limited'), username, status: 429 });
    const registered = await users.register({ localpart: username, password: body.password ?? '' });
    if (!registered.ok) {
      const reason = describeRegisterProblem(registered.error);
      return renderRegister(ctx, d, {
        error: reason.charAt(0).toUpperCase() + reason.slice(1),
        username,
        status: 400,
      });
    }
    await finish(ctx, { create: {}, login: { accountId: registered.value.id, remember: true } }, false);
  });

  router.post('/consent', async (ctx) => {
    const body = await form(ctx);
    if (!body) return;
    const d = await details(ctx);
    if (!d) return;
    const accountId = d.session?.accountId;
    if (d.prompt.name !== 'consent' || !accountId) return renderLogin(ctx, d);
    if (body.decision !== 'allow') {
      return finish(
        ctx,
        { error: 'access_denied', error_description: 'The user did not allow access.' },
        true,
      );
    }
    await grantConsent(ctx, d, accountId);
  });

  /** Records what the user allowed as a new grant (one per device) and lets the engine continue. */
  async function grantConsent(ctx: Context, d: Details, accountId: string): Promise<void> {
    const clientId = String(d.params.client_id);
    const requested = String(d.params.scope ?? '').split(' ');
    if (requested.includes(SCOPE_SYNAPSE_ADMIN)) {
      const user = await storage.users.findById(accountId);
      // Checked here, where every grant is made, so no path (first-party or not) can skip it.
      if (!user?.canRequestAdmin || clientId === ACCOUNT_CLIENT_ID)
        return finish(
          ctx,
          { error: 'access_denied', error_description: 'This account may not request administrator access.' },
          true,
        );
    }
    const grant = new engine.Grant({ accountId, clientId });
    const missing = d.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    // mxauth's own account client signs in to mxauth only: it never gets Matrix access.
    if (clientId !== ACCOUNT_CLIENT_ID) {
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
        grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await finish(ctx, { consent: { grantId } }, true);
  }

  /**
   * Hands the interaction back to the engine, which writes the redirect itself. If it fails before
   * writing anything, Koa answers (an error page) instead of leaving the request hanging.
   */
  async function finish(ctx: Context, result: Record<string, unknown>, merge: boolean): Promise<void> {
    ctx.respond = false;
    try {
      await engine.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    } catch (e) {
      if (ctx.res.headersSent) throw e;
      ctx.respond = true;
      const c = chrome(ctx);
      page(
        ctx,
        messagePage(c, c.t('error.title'), 'This sign-in has expired. Go back to the app and start again.'),
        400,
      );
    }
  }

  /** A username as typed: localpart, user id of this server, or (when allowed) a verified email. */
  async function resolveLogin(input: string): Promise<string | undefined> {
    if (input.includes('@') && !input.startsWith('@')) {
      if (!config.account.login_with_email_allowed) return undefined;
      const email = await storage.emails.findByAddress(input);
      if (!email?.confirmedAt) return undefined;
      return (await storage.users.findById(email.userId))?.localpart;
    }
    const localpart = localpartFromInput(input, serverName);
    return localpart.ok ? localpart.value.toLowerCase() : undefined;
  }

  return router;
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
