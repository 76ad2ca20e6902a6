import type { Context } from 'koa';
import { type PageProblem, pageError } from '../http/errors/page.js';
import { messagePage, type PageChrome } from './layout.js';

/** Answers `problem` with a page in the person's language (http/errors/page.ts says which and how). */
export function sendProblemPage(ctx: Context, chrome: PageChrome, problem: PageProblem): void {
  const { status, message } = pageError(problem);
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = messagePage(chrome, chrome.t('error.title'), chrome.t(message));
}

/** The same problem for a page's script (web/script.ts shows `message`). */
export function sendProblemJson(ctx: Context, chrome: PageChrome, problem: PageProblem): void {
  const { status, message } = pageError(problem);
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: problem.kind, message: chrome.t(message) };
}
