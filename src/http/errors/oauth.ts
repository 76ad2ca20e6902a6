import type { Context } from 'koa';

/**
 * What went wrong at an OAuth endpoint, by what the client must do about it. Each kind has one status
 * and one `error` code (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2, RFC 7009 §2.2.1); the description
 * is for the developer reading it.
 */
export type OAuthProblem =
  /** The request itself is wrong: a missing parameter, a wrong content type, a control character. */
  | { kind: 'malformed'; description: string }
  | { kind: 'too_large' }
  /** No or wrong client authentication; `challenge` is the WWW-Authenticate to answer with. */
  | { kind: 'client_unauthenticated'; description: string; challenge: string }
  /** This client may not do this (revoking another client's token). */
  | { kind: 'client_not_allowed'; description: string }
  /** A registration's metadata was refused (RFC 7591). */
  | {
      kind: 'client_metadata';
      error: 'invalid_client_metadata' | 'invalid_redirect_uri';
      description: string;
    }
  /** A bearer token at a protected resource (userinfo) that is missing, unknown or expired. */
  | { kind: 'token_invalid'; description: string }
  | { kind: 'scope_insufficient'; scope: string; description: string }
  /** Nothing is wrong with the request: try again after `retryAfterSeconds`. */
  | { kind: 'unavailable'; description: string; retryAfterSeconds: number }
  /** No endpoint at this path, or not for this method. */
  | { kind: 'no_such_endpoint'; description: string }
  | { kind: 'method_not_allowed'; description: string }
  /** mxauth failed; the cause is logged, never told. */
  | { kind: 'internal' };

export interface OAuthErrorResponse {
  status: number;
  body: { error: string; error_description: string };
  headers: Record<string, string>;
}

/** The response for `problem`; every kind is mapped here and only here. */
export function oauthError(problem: OAuthProblem): OAuthErrorResponse {
  // Error answers are never cached: they describe this request (RFC 6749 §5.1 asks the same of tokens).
  const answer = (
    status: number,
    error: string,
    description: string,
    headers: Record<string, string> = {},
  ) => ({
    status,
    body: { error, error_description: description },
    headers: { 'cache-control': 'no-store', ...headers },
  });
  switch (problem.kind) {
    case 'malformed':
      return answer(400, 'invalid_request', problem.description);
    case 'too_large':
      return answer(413, 'invalid_request', 'the request body is too large');
    case 'client_unauthenticated':
      return answer(401, 'invalid_client', problem.description, { 'www-authenticate': problem.challenge });
    case 'client_not_allowed':
      return answer(400, 'unauthorized_client', problem.description);
    case 'client_metadata':
      return answer(400, problem.error, problem.description);
    case 'token_invalid':
      return answer(401, 'invalid_token', problem.description, {
        'www-authenticate': 'Bearer error="invalid_token"',
      });
    case 'scope_insufficient':
      return answer(403, 'insufficient_scope', problem.description, {
        'www-authenticate': `Bearer error="insufficient_scope", scope="${problem.scope}"`,
      });
    case 'unavailable':
      return answer(503, 'temporarily_unavailable', problem.description, {
        'retry-after': String(problem.retryAfterSeconds),
      });
    case 'no_such_endpoint':
      return answer(404, 'not_found', problem.description);
    case 'method_not_allowed':
      return answer(405, 'invalid_request', problem.description);
    case 'internal':
      return answer(500, 'server_error', 'The server hit an unexpected error.');
    default:
      return unmapped(problem);
  }
}

/** Answers `problem` on a Koa response. */
export function sendOAuthError(ctx: Context, problem: OAuthProblem): void {
  sendMapped(ctx, oauthError(problem));
}

/** Writes a mapped error answer (any protocol's mapper) on a Koa response. */
export function sendMapped(
  ctx: Context,
  answer: { status: number; body: object; headers: Record<string, string> },
): void {
  ctx.status = answer.status;
  ctx.set(answer.headers);
  ctx.body = answer.body;
}

/** Answers `problem` on a bare Node response (the fast paths, which run without Koa). */
export function writeOAuthError(
  res: { writeHead(status: number, headers: Record<string, string>): unknown; end(body: string): unknown },
  problem: OAuthProblem,
): number {
  const { status, body, headers } = oauthError(problem);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
  return status;
}

/** A kind nobody maps fails to compile here; at run time (a cast gone wrong) it is a 500. */
export function unmapped(problem: never): never {
  throw new Error(`unmapped problem ${JSON.stringify(problem)}`);
}
