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
  } else if (ctx.accepts('json', 'html') === 'html' || postedPageForm(ctx)) {
    ctx.type = 'html';
    ctx.body = errorPage(error.title, error.message);
  } else {
    ctx.body = { error: error.oauth, error_description: error.message };
  }
}

/**
 * A form post that states no preference is a page's form: answered with a page, as the page's own
 * answers are. Not under /oauth2/: OAuth clients post forms too (curl and many libraries accept anything),
 * and get OAuth JSON.
 */
function postedPageForm(ctx: Context): boolean {
  return (
    !ctx.path.startsWith('/oauth2/') &&
    ['', '*/*'].includes(ctx.get('accept').trim()) &&
    ctx.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded'
  );
}
