import type { Context } from 'koa';
import { errorPage } from './html.js';

/**
 * Answers an error in the caller's own format: Matrix JSON under /_matrix/, OAuth-style JSON for API
 * clients, a readable page for browsers.
 */
export function respondError(
  ctx: Context,
  status: number,
  error: { errcode: string; oauth: string; title: string; message: string },
): void {
  ctx.status = status;
  if (ctx.path.startsWith('/_matrix/')) {
    ctx.body = { errcode: error.errcode, error: error.message };
  } else if (ctx.accepts('json', 'html') === 'html') {
    ctx.type = 'html';
    ctx.body = errorPage(error.title, error.message);
  } else {
    ctx.body = { error: error.oauth, error_description: error.message };
  }
}
