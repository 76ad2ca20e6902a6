import type { Context } from 'koa';
import { type PageProblem, pageError } from '../http/errors/page.js';
import { oauthErrorMessage, problemPage } from './error-pages.js';
import type { PageChrome } from './layout.js';

/**
 * Answers `problem` with a page in the person's language (http/errors/page.ts says which and how), a
 * way back to the start page, and `startAgain` first when the page knows where to start over.
 */
export function sendProblemPage(
  ctx: Context,
  chrome: PageChrome,
  problem: PageProblem,
  startAgain?: string,
): void {
  const { status, message } = pageError(problem);
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = problemPage(chrome, {
    title: chrome.t('error.title'),
    message: chrome.t(message),
    ...(startAgain ? { action: { href: startAgain, text: chrome.t('problem.start_again') } } : {}),
  });
}

/** The same problem for a page's script (web/script.ts shows `message`). */
export function sendProblemJson(ctx: Context, chrome: PageChrome, problem: PageProblem): void {
  const { status, message } = pageError(problem);
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: problem.kind, message: chrome.t(message) };
}

/** An authorization that came back with an OAuth error: its sentence, its code, and a way to start over. */
export function sendAuthorizationError(
  ctx: Context,
  chrome: PageChrome,
  code: string,
  startAgain: string,
): void {
  const { t } = chrome;
  ctx.status = 400;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = problemPage(chrome, {
    title: t('oauth.title'),
    message: t(oauthErrorMessage(code), { server: chrome.serverName }),
    code,
    action: { href: startAgain, text: t('problem.start_again') },
  });
}
