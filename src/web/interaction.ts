import Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import { localpartFromInput, userId } from '../domain/matrix-id.js';
import { parseMatrixScope, SCOPE_SYNAPSE_ADMIN } from '../domain/matrix-scopes.js';
import type { Rng } from '../domain/random.js';
import { userStatus } from '../domain/user.js';
import { ACCOUNT_CLIENT_ID, type OAuthEngine } from '../oauth/provider.js';
import { CaptchaVerifier } from '../services/captcha.js';
import type { LoginLimits } from '../services/login-limits.js';
import { RegistrationTokenService } from '../services/registration-tokens.js';
import { LocalPasswordBackend, SignInService } from '../services/sign-in.js';
import { TermsService } from '../services/terms.js';
import type { UserService } from '../services/users.js';
import type { VerificationService } from '../services/verification.js';
import type { Storage } from '../storage/storage.js';
import { publicPath } from './base-path.js';
import { readForm } from './body.js';
import { pageChrome } from './chrome.js';
import { allowFormTarget } from './csp.js';
import type { Csrf } from './csrf.js';
import { type Details, type InteractionKit, interactionExpiry } from './interaction-kit.js';
import { InteractionCookie } from './interaction-state.js';
import { KnownBrowsers } from './known-browser.js';
import { messagePage } from './layout.js';
import { type ConsentView, consentPage } from './pages/consent.js';
import { loginPage } from './pages/login.js';
import { termsPage } from './pages/terms.js';
import { RECOVER_ROUTE } from './recovery.js';
import { registrationRoutes } from './registration.js';

export interface InteractionDependencies {
  config: Config;
  engine: OAuthEngine;
  users: UserService;
  storage: Storage;
  csrf: Csrf;
  loginLimits: LoginLimits;
  /** Password sign-in; built over the local password backend and `loginLimits` when absent. */
  signIn?: SignInService;
  verification: VerificationService;
  clock: Clock;
  rng: Rng;
  /** How CAPTCHA answers are checked with the provider; the global fetch when absent. */
  fetch?: typeof fetch;
}

/** A password proven at sign-in while the current terms still wait to be accepted. */
interface PendingLogin {
  userId: string;
}

/**
 * The pages of an authorization in progress: sign in, create an account (registration.ts), accept the
 * terms, consent. The engine sends the browser to /interaction/:uid; each step ends with
 * `interactionFinished`, which sends it back.
 */
export function interactionRoutes(deps: InteractionDependencies): Router {
  const { config, engine, users, storage, csrf } = deps;
  const terms = new TermsService(storage, config.branding.tos_uri);
  const pendingLogin = new InteractionCookie<PendingLogin>(
    config,
    'mxauth-terms',
    config.http.publicBase.protocol === 'https:',
  );
  const knownBrowsers = new KnownBrowsers(config, deps.clock);
  const serverName = config.matrix.homeserver;
  const signIn =
    deps.signIn ??
    new SignInService({
      storage,
      limits: deps.loginLimits,
      passwords: new LocalPasswordBackend(users),
      serverName: serverName,
      loginWithEmail: config.account.login_with_email_allowed,
    });
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
      // The engine checked this redirect URI against the client before it opened the interaction.
      allowFormTarget(ctx, found.params.redirect_uri);
      return found;
    } catch (e) {
      // A missing or expired interaction is the browser's problem; anything else is ours (a 500, logged).
      if (
        !['SessionNotFound', 'InvalidRequest'].includes((e as Error).name) &&
        (e as Error).message !== 'interaction mismatch'
      )
        throw e;
      const c = chrome(ctx);
      page(ctx, messagePage(c, c.t('error.title'), c.t('interaction.expired')), 400);
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
        forgotUrl: config.account.password_recovery_enabled ? publicPath(root, RECOVER_ROUTE) : undefined,
      }),
      extra.status,
    );
  };

  const renderTerms = (ctx: Context, d: Details, extra: { error?: string; status?: number } = {}) =>
    page(
      ctx,
      termsPage(chrome(ctx), {
        action: step(d, 'terms'),
        csrf: csrf.token(ctx),
        termsUri: terms.uri ?? '',
        error: extra.error,
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
    // A device id the account already uses: signing in ends that session, so say which one it is.
    let replacing: ConsentView['replacing'];
    if (matrix?.deviceId) {
      const [oauth] = await storage.oauthSessions.activeForDevice(user.id, matrix.deviceId);
      const [compat] = oauth ? [] : await storage.compat.activeForDevice(user.id, matrix.deviceId);
      const current = oauth ?? compat;
      if (current)
        replacing = {
          app: oauth ? (await clientName(oauth.clientId, c.t.language)).name : undefined,
          deviceName: current.displayName ?? undefined,
          lastSeen: current.lastActiveAt ?? undefined,
        };
    }
    page(
      ctx,
      consentPage(c, {
        replacing,
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
        phone: matrix?.others.includes('phone') ?? false,
        switchUserUrl: step(d, 'login'),
      }),
    );
  };

  /** Reads the form and checks its CSRF token; answers the request itself when the check fails. */
  const form = async (ctx: Context): Promise<Record<string, string> | undefined> => {
    const body = await readForm(ctx);
    if (csrf.verify(ctx, body.csrf)) return body;
    const c = chrome(ctx);
    page(ctx, messagePage(c, c.t('error.title'), c.t('error.csrf')), 403);
    return undefined;
  };

  const kit: InteractionKit = {
    details,
    form,
    page,
    step,
    login: renderLogin,
    finish: (ctx, result, merge) => finish(ctx, result, merge),
  };
  const registration = registrationRoutes(router, kit, {
    config,
    users,
    csrf,
    verification: deps.verification,
    clock: deps.clock,
    tokens: new RegistrationTokenService(storage, { clock: deps.clock, rng: deps.rng }),
    captcha:
      config.captcha &&
      new CaptchaVerifier(config.captcha, deps.fetch, undefined, config.http.publicBase.hostname),
    termsUri: terms.uri,
  });

  /**
   * The consent step, or the terms first when the signed-in account has not accepted the current ones
   * (a browser session from before they changed signs in without the password page).
   */
  const consentStep = async (ctx: Context, d: Details, accountId: string) => {
    if (await terms.mustAccept(accountId)) return renderTerms(ctx, d);
    // mxauth's own account page needs no consent to sign in to mxauth.
    if (d.params.client_id === ACCOUNT_CLIENT_ID) return grantConsent(ctx, d, accountId);
    return renderConsent(ctx, d);
  };

  router.get('/', async (ctx) => {
    const d = await details(ctx);
    if (!d) return;
    if (d.prompt.name === 'create') return registration.show(ctx, d);
    if (d.prompt.name === 'login') return renderLogin(ctx, d);
    if (d.prompt.name === 'consent' && d.session?.accountId) return consentStep(ctx, d, d.session.accountId);
    return renderConsent(ctx, d);
  });
  router.get('/login', async (ctx) => {
    const d = await details(ctx);
    if (d) await renderLogin(ctx, d);
  });

  router.post('/login', async (ctx) => {
    const body = await form(ctx);
    if (!body) return;
    const d = await details(ctx);
    if (!d) return;
    const t = chrome(ctx).t;
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
        return renderLogin(ctx, d, { error, username, status: 429 });
      }
      const error =
        result.problem === 'locked'
          ? t('login.locked', { server: serverName })
          : result.problem === 'deactivated'
            ? t('login.deactivated')
            : t('login.invalid');
      return renderLogin(ctx, d, { error, username, status: 401 });
    }
    knownBrowsers.remember(ctx, result.user.id);
    if (await terms.mustAccept(result.user.id)) {
      // The sign-in waits for the terms: it finishes only once they are accepted (POST /terms).
      pendingLogin.set(ctx, d.uid, interactionExpiry(d), { userId: result.user.id });
      return renderTerms(ctx, d);
    }
    await finish(ctx, { login: { accountId: result.user.id, remember: true } }, false);
  });

  router.post('/terms', async (ctx) => {
    const body = await form(ctx);
    if (!body) return;
    const d = await details(ctx);
    if (!d) return;
    // Either a password just proven on this interaction's login page, or the browser's signed-in account.
    const proven = d.prompt.name === 'login' ? pendingLogin.get(ctx, d.uid, deps.clock.now()) : undefined;
    const accountId = proven?.userId ?? (d.prompt.name === 'consent' ? d.session?.accountId : undefined);
    const user = accountId ? await storage.users.findById(accountId) : undefined;
    if (!user || userStatus(user) !== 'active') return renderLogin(ctx, d);
    if (body.decision === 'cancel') {
      pendingLogin.clear(ctx, d.uid);
      return finish(
        ctx,
        { error: 'access_denied', error_description: 'The user did not accept the terms of service.' },
        false,
      );
    }
    if (!body.accept_terms)
      return renderTerms(ctx, d, { error: chrome(ctx).t('terms.required'), status: 400 });
    await terms.accept(user.id);
    if (!proven) return consentStep(ctx, d, user.id);
    pendingLogin.clear(ctx, d.uid);
    await finish(ctx, { login: { accountId: user.id, remember: true } }, false);
  });

  router.post('/consent', async (ctx) => {
    const body = await form(ctx);
    if (!body) return;
    const d = await details(ctx);
    if (!d) return;
    const accountId = d.session?.accountId;
    if (d.prompt.name !== 'consent' || !accountId) return renderLogin(ctx, d);
    // Consent is given by someone who accepted the current terms, whichever page they came from.
    if (await terms.mustAccept(accountId)) return renderTerms(ctx, d);
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
      page(ctx, messagePage(c, c.t('error.title'), c.t('interaction.finish_expired')), 400);
    }
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
