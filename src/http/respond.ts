import type Koa from 'koa';
import type { Context } from 'koa';
import { sendMatrixError } from './errors/matrix.js';
import { sendOAuthError } from './errors/oauth.js';
import { errorPage } from './html.js';

/**
 * What can go wrong with a request before or outside any endpoint's own rules: no such path or method,
 * a body too large or carrying a forbidden character, a failure of mxauth's. Answered in the caller's
 * format (respondError).
 */
export type RequestProblem =
  | { kind: 'not_found' }
  | { kind: 'method_not_allowed'; allow: string }
  | { kind: 'invalid_text'; message: string }
  | { kind: 'too_large'; message: string }
  /** The database cannot be reached (storage/unavailable.ts): a moment's wait, not a bug. */
  | { kind: 'unavailable' }
  | { kind: 'internal' };

/** How long a client is asked to wait while the database is away. */
export const UNAVAILABLE_RETRY_SECONDS = 30;

/**
 * Renders a problem as a page in the site's look and the person's language, with a way back
 * (web/error-pages.ts). The plain page of http/html.ts stands in where no renderer is set.
 */
export type ProblemPages = (ctx: Context, problem: RequestProblem, status: number) => string;

const PROBLEM_PAGES = Symbol('problem pages');

/** Every request of `app` answers its problems with `pages` (Koa's app.context is each ctx's prototype). */
export function useProblemPages(app: Koa, pages: ProblemPages): void {
  (app.context as unknown as Record<symbol, ProblemPages>)[PROBLEM_PAGES] = pages;
}

/** A request problem thrown from deep in a handler (a body reader), answered by http/request-log.ts. */
export class RequestProblemError extends Error {
  constructor(readonly problem: Exclude<RequestProblem, { kind: 'internal' }>) {
    super('message' in problem ? problem.message : problem.kind);
  }
}

/**
 * Answers `problem` in the caller's own format: Matrix JSON under /_matrix/ (http/errors/matrix.ts),
 * a readable page for browsers, OAuth JSON for API clients (http/errors/oauth.ts).
 */
export function respondError(ctx: Context, problem: RequestProblem): void {
  const { status, title, message } = describe(ctx, problem);
  if (problem.kind === 'unavailable') ctx.set('Retry-After', String(UNAVAILABLE_RETRY_SECONDS));
  if (ctx.path.startsWith('/_matrix/')) {
    sendMatrixError(ctx, matrixProblem(problem, message));
  } else if (ctx.accepts('json', 'html') === 'html' || postedPageForm(ctx)) {
    const pages = (ctx as unknown as Record<symbol, ProblemPages | undefined>)[PROBLEM_PAGES];
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = pages ? pages(ctx, problem, status) : errorPage(title, message);
  } else {
    sendOAuthError(ctx, oauthProblem(problem, message));
  }
}

function describe(ctx: Context, problem: RequestProblem): { status: number; title: string; message: string } {
  switch (problem.kind) {
    case 'not_found':
      return { status: 404, title: 'Page not found', message: `There is nothing at ${ctx.path}.` };
    case 'method_not_allowed':
      return {
        status: 405,
        title: 'Method not allowed',
        message: `${ctx.method} is not supported at ${ctx.path}${problem.allow ? `; use ${problem.allow}` : ''}.`,
      };
    case 'invalid_text':
      return { status: 400, title: 'Bad request', message: problem.message };
    case 'too_large':
      return { status: 413, title: 'Bad request', message: problem.message };
    case 'unavailable':
      return {
        status: 503,
        title: 'Temporarily unavailable',
        message: 'The service cannot reach its database right now; try again in a moment.',
      };
    case 'internal':
      return {
        status: 500,
        title: 'Something went wrong',
        message: 'The server hit an unexpected error. It has been logged; please try again.',
      };
  }
}

function matrixProblem(problem: RequestProblem, message: string) {
  switch (problem.kind) {
    case 'not_found':
      return { errcode: 'M_UNRECOGNIZED', message, status: 404 } as const;
    case 'method_not_allowed':
      return { errcode: 'M_UNRECOGNIZED', message, status: 405 } as const;
    case 'invalid_text':
      return { errcode: 'M_INVALID_PARAM', message } as const;
    case 'too_large':
      return { errcode: 'M_TOO_LARGE', message } as const;
    case 'unavailable':
      return { errcode: 'M_UNKNOWN', message, status: 503 } as const;
    case 'internal':
      return { errcode: 'M_UNKNOWN', message, status: 500 } as const;
  }
}

function oauthProblem(problem: RequestProblem, message: string) {
  switch (problem.kind) {
    case 'not_found':
      return { kind: 'no_such_endpoint', description: message } as const;
    case 'method_not_allowed':
      return { kind: 'method_not_allowed', description: message } as const;
    case 'invalid_text':
      return { kind: 'malformed', description: message } as const;
    case 'too_large':
      return { kind: 'too_large' } as const;
    case 'unavailable':
      return {
        kind: 'unavailable',
        description: message,
        retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS,
      } as const;
    case 'internal':
      return { kind: 'internal' } as const;
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
