import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import type { ProblemPages, RequestProblem } from '../http/respond.js';
import { pageChrome } from './chrome.js';
import { html } from './html.js';
import type { MessageKey } from './i18n.js';
import { layout, type PageChrome } from './layout.js';

/** An error page: what happened and what to do in the person's words, the code small below. */
export interface ProblemView {
  title: string;
  message: string;
  /** What support asks for (an OAuth error code, a status), shown small. */
  code?: string;
  /** A developer's English sentence (a body the request carried that cannot be read), shown small. */
  detail?: string;
  /** The way on, when there is a better one than the start page (start the sign-in again). */
  action?: { href: string; text: string };
}

/** The page of `view`, with a link to the start page (and `view.action` first when there is one). */
export function problemPage(chrome: PageChrome, view: ProblemView): string {
  const { t } = chrome;
  const home = chrome.home ?? '/';
  return layout(
    chrome,
    view.title,
    html`<h1>${view.title}</h1>
<p>${view.message}</p>
<div class="actions">${view.action ? html`<a class="button" href="${view.action.href}">${view.action.text}</a>` : ''}<a class="button${view.action ? ' secondary' : ''}" href="${home}">${t('problem.home')}</a></div>
${view.detail ? html`<p class="muted">${t('problem.technical')} <span lang="en">${view.detail}</span></p>` : ''}
${view.code ? html`<p class="muted">${t('error.code', { code: view.code })}</p>` : ''}`,
  );
}

/**
 * The pages for problems outside any endpoint's own rules (no such page, a failure of mxauth's, the
 * database away), for http/respond.ts: branded, translated, with a way back.
 */
export function requestProblemPages(config: Config): ProblemPages {
  // Built at the first error, not at construction: reading the override directory belongs to start().
  let chrome: ReturnType<typeof pageChrome> | undefined;
  return (ctx: Context, problem: RequestProblem, status: number) => {
    chrome ??= pageChrome(config);
    const c = chrome(ctx);
    return problemPage(c, requestProblemView(c, problem, status));
  };
}

/** What a request problem's page says (the engine's pages use it for the database being away too). */
export function requestProblemView(c: PageChrome, problem: RequestProblem, status: number): ProblemView {
  const { t } = c;
  const service = c.frame?.serviceName ?? c.serverName;
  const code = String(status);
  switch (problem.kind) {
    case 'not_found':
      return { title: t('problem.not_found.title'), message: t('problem.not_found'), code };
    case 'method_not_allowed':
      return { title: t('problem.method.title'), message: t('problem.method'), code };
    case 'invalid_text':
      return {
        title: t('problem.bad_request.title'),
        message: t('problem.bad_request'),
        detail: problem.message,
        code,
      };
    case 'too_large':
      return { title: t('problem.too_large.title'), message: t('problem.too_large'), code };
    case 'unavailable':
      return {
        title: t('problem.unavailable.title', { service }),
        message: t('problem.unavailable'),
        code,
      };
    case 'internal':
      return { title: t('problem.internal.title'), message: t('problem.internal'), code };
  }
}

/**
 * The sentence for an OAuth error code an authorization ended with (the engine's own descriptions are
 * English sentences for developers; the person gets one of these, the code below it).
 */
export function oauthErrorMessage(code: string): MessageKey {
  return OAUTH_MESSAGES[code] ?? 'oauth.other';
}

const OAUTH_MESSAGES: Readonly<Record<string, MessageKey>> = {
  invalid_client: 'oauth.invalid_client',
  invalid_redirect_uri: 'oauth.invalid_redirect_uri',
  unsupported_response_type: 'oauth.unsupported_response_type',
  unsupported_response_mode: 'oauth.unsupported_response_type',
  unauthorized_client: 'oauth.unauthorized_client',
  invalid_scope: 'oauth.invalid_scope',
  invalid_target: 'oauth.invalid_scope',
  invalid_request: 'oauth.invalid_request',
  invalid_request_object: 'oauth.invalid_request',
  request_not_supported: 'oauth.invalid_request',
  request_uri_not_supported: 'oauth.invalid_request',
  invalid_request_uri: 'oauth.invalid_request_uri',
  access_denied: 'oauth.access_denied',
  expired_token: 'oauth.expired',
  slow_down: 'oauth.too_many',
  temporarily_unavailable: 'problem.unavailable',
  server_error: 'problem.internal',
};
