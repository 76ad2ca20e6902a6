import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/config.js';
import { UNAVAILABLE_RETRY_SECONDS } from '../http/respond.js';
import { isDatabaseUnavailable } from '../storage/unavailable.js';
import { pageChrome } from '../web/chrome.js';
import { oauthErrorMessage, problemPage, requestProblemView } from '../web/error-pages.js';
import { html, SafeHtml } from '../web/html.js';
import { layout, messagePage } from '../web/layout.js';

type Ctx = KoaContextWithOIDC;

/** The pages the engine renders itself (device code entry, logout, errors), in mxauth's look and language. */
export interface EnginePages {
  userCodeInput(ctx: Ctx, form: string, out?: unknown, err?: unknown): Promise<void>;
  userCodeConfirm(
    ctx: Ctx,
    form: string,
    client: unknown,
    deviceInfo: unknown,
    userCode: string,
  ): Promise<void>;
  deviceSuccess(ctx: Ctx): Promise<void>;
  /** Too many wrong codes from this address (abuse-limits.ts): come back later. */
  userCodeLimited(ctx: Ctx): Promise<void>;
  logout(ctx: Ctx, form: string): Promise<void>;
  /** A signed-out browser sent on to a client without an id_token_hint: the click that allows it. */
  logoutContinue(ctx: Ctx, form: string, destination: URL): Promise<void>;
  logoutSuccess(ctx: Ctx): Promise<void>;
  /**
   * `response_mode=form_post`: the page whose form hands the response to the client's redirect URI
   * (submitted by the page script at once, by its button without it).
   */
  formPost(ctx: Ctx, redirectUri: string, payload: Record<string, string>): void;
  error(ctx: Ctx, out: { error: string; error_description?: string }, error: unknown): Promise<void>;
  /** A device-sign-in page opened without the browser session it belongs to: start again there. */
  expired(ctx: Ctx): Promise<void>;
  /** A request refused before the engine reads it; `detail` is the developer's English sentence. */
  badRequest(ctx: Ctx, detail: string): Promise<void>;
}

export function enginePages(config: Config): EnginePages {
  const chrome = pageChrome(config);
  const send = (ctx: Ctx, body: string, status?: number) => {
    ctx.type = 'html';
    ctx.body = body;
    if (status) ctx.status = status;
  };
  // The engine's forms carry its own CSRF token; inputs join them through the form="" attribute.
  const engineForm = (form: string) => new SafeHtml(form);

  return {
    async userCodeInput(ctx, form, _out, err) {
      const c = chrome(ctx);
      send(
        ctx,
        layout(
          c,
          c.t('device.title'),
          html`<h1>${c.t('device.title')}</h1>
<p class="lead">${c.t('device.lead')}</p>
${err ? html`<p class="error" role="alert">${c.t('device.invalid')}</p>` : ''}
<form method="post" action="${attribute(form, 'action')}">
<input type="hidden" name="xsrf" value="${attribute(form, 'value')}">
<label>${c.t('device.code')}
<input type="text" name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus></label>
<button type="submit">${c.t('device.submit')}</button>
</form>`,
        ),
      );
    },
    async userCodeConfirm(ctx, form, _client, _deviceInfo, userCode) {
      const c = chrome(ctx);
      send(
        ctx,
        layout(
          c,
          c.t('device.confirm_title'),
          html`<h1>${c.t('device.confirm_title')}</h1>
<p>${c.t('device.confirm_lead', { code: userCode })}</p>
${engineForm(form)}
<div class="actions">
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" class="secondary">${c.t('consent.deny')}</button>
<button type="submit" form="op.deviceConfirmForm" autofocus>${c.t('device.submit')}</button>
</div>`,
        ),
      );
    },
    async deviceSuccess(ctx) {
      const c = chrome(ctx);
      send(ctx, messagePage(c, c.t('device.title'), c.t('device.done')));
    },
    async userCodeLimited(ctx) {
      const c = chrome(ctx);
      send(ctx, messagePage(c, c.t('device.title'), c.t('login.rate_limited')), 429);
    },
    async logout(ctx, form) {
      const c = chrome(ctx);
      // Both buttons go on to the client's post_logout_redirect_uri: say where before either is clicked.
      const destination = ctx.oidc.session?.state?.postLogoutRedirectUri as string | undefined;
      const destinationHost = destination ? URL.parse(destination)?.host : undefined;
      send(
        ctx,
        layout(
          c,
          c.t('logout.title'),
          html`<h1>${c.t('logout.title')}</h1>
<p>${c.t('logout.lead', { server: c.frame?.serviceName ?? c.serverName })}</p>
${destinationHost ? html`<p>${c.t('logout.then', { host: destinationHost })}</p>` : ''}
${engineForm(form)}
<div class="actions">
<button type="submit" form="op.logoutForm" class="secondary">${c.t('logout.cancel')}</button>
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>${c.t('logout.submit')}</button>
</div>`,
        ),
      );
    },
    async logoutContinue(ctx, form, destination) {
      const c = chrome(ctx);
      // The host, not the client's self-chosen name: the name is what a lure would borrow.
      const host = destination.host;
      send(
        ctx,
        layout(
          c,
          c.t('logout.continue_title', { host }),
          html`<h1>${c.t('logout.continue_title', { host })}</h1>
<p>${c.t('logout.continue_lead', { server: c.frame?.serviceName ?? c.serverName, host })}</p>
${engineForm(form)}
<div class="actions">
<button type="submit" form="op.logoutForm">${c.t('logout.continue', { host })}</button>
</div>`,
        ),
      );
    },
    async logoutSuccess(ctx) {
      const c = chrome(ctx);
      send(ctx, messagePage(c, c.t('logout.title'), c.t('logout.done')));
    },
    formPost(ctx, redirectUri, payload) {
      const c = chrome(ctx);
      ctx.set('Cache-Control', 'no-store');
      const host = URL.parse(redirectUri)?.host ?? redirectUri;
      const inputs = Object.entries(payload).map(
        ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
      );
      // An error response keeps the status the engine chose for it (400, or 500 for its own failures).
      if (![200, 400, 500].includes(ctx.status)) ctx.status = 'error' in payload ? 400 : 200;
      send(
        ctx,
        layout(
          c,
          c.t('form_post.title'),
          html`<h1>${c.t('form_post.title')}</h1>
<p>${c.t('form_post.lead', { host })}</p>
<form method="post" action="${redirectUri}" data-auto-submit>
${inputs}
<button type="submit" autofocus>${c.t('form_post.submit')}</button>
</form>
<script src="${c.assetsBase}mxauth.js" defer></script>`,
        ),
      );
    },
    async error(ctx, out, error) {
      const c = chrome(ctx);
      ctx.set('Cache-Control', 'no-store');
      if (isDatabaseUnavailable(error)) {
        // The engine read a client or a session and the database did not answer: wait, not a bug.
        ctx.set('Retry-After', String(UNAVAILABLE_RETRY_SECONDS));
        return send(ctx, problemPage(c, requestProblemView(c, { kind: 'unavailable' }, 503)), 503);
      }
      // The engine's descriptions are English sentences for developers: the person gets a sentence of
      // their own in their language, and the code, which is what support asks for.
      const title = out.error === 'server_error' ? c.t('problem.internal.title') : c.t('oauth.title');
      const message = c.t(oauthErrorMessage(out.error), { server: c.serverName });
      send(ctx, problemPage(c, { title, message, code: out.error }));
    },
    async expired(ctx) {
      const c = chrome(ctx);
      ctx.set('Cache-Control', 'no-store');
      const view = {
        title: c.t('oauth.title'),
        message: c.t('oauth.device_expired'),
        code: 'invalid_request',
      };
      send(ctx, problemPage(c, view), 400);
    },
    async badRequest(ctx, detail) {
      const c = chrome(ctx);
      ctx.set('Cache-Control', 'no-store');
      const view = {
        title: c.t('problem.bad_request.title'),
        message: c.t('problem.bad_request'),
        detail,
        code: 'invalid_request',
      };
      send(ctx, problemPage(c, view), 400);
    },
  };
}

/**
 * Reads an attribute of the engine's code-entry form (its action, and the first value: the CSRF token),
 * so the page can render its own form: the engine's brings an input and an inline script of its own.
 */
function attribute(form: string, name: 'action' | 'value'): string {
  return new RegExp(`${name}="([^"]*)"`).exec(form)?.[1] ?? '';
}
