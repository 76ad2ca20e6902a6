import type { Context } from 'koa';
import { sendMapped, unmapped } from './oauth.js';

/**
 * What went wrong at a Matrix endpoint (the compatibility API under /_matrix/), by its `errcode` (Matrix
 * client-server API, "Standard error response"). The errcode decides the status, here and only here;
 * the two codes the spec uses with more than one status say which.
 */
export type MatrixProblem =
  | {
      errcode:
        | 'M_BAD_JSON'
        | 'M_NOT_JSON'
        | 'M_MISSING_PARAM'
        | 'M_INVALID_PARAM'
        | 'M_INVALID_USERNAME'
        | 'M_APPSERVICE_LOGIN_UNSUPPORTED'
        | 'M_FORBIDDEN'
        | 'M_USER_DEACTIVATED'
        | 'M_MISSING_TOKEN'
        | 'M_TOO_LARGE';
      message: string;
    }
  /** Tokens refused: `softLogout` false tells the client to drop the session (spec: soft logout). */
  | { errcode: 'M_UNKNOWN_TOKEN' | 'M_USER_LOCKED'; message: string; softLogout: boolean }
  | { errcode: 'M_LIMIT_EXCEEDED'; message: string; retryAfterMs: number }
  | { errcode: 'M_UNRECOGNIZED'; message: string; status: 404 | 405 }
  /**
   * A request mxauth cannot serve (400: an unknown login type), a failure of its own (500), or of the
   * homeserver it depends on (503: try again).
   */
  | { errcode: 'M_UNKNOWN'; message: string; status: 400 | 500 | 503 };

export interface MatrixErrorResponse {
  status: number;
  body: { errcode: string; error: string } & Record<string, unknown>;
  headers: Record<string, string>;
}

export function matrixError(problem: MatrixProblem): MatrixErrorResponse {
  const answer = (
    status: number,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) => ({
    status,
    body: { errcode: problem.errcode, error: problem.message, ...extra },
    headers,
  });
  switch (problem.errcode) {
    case 'M_BAD_JSON':
    case 'M_NOT_JSON':
    case 'M_MISSING_PARAM':
    case 'M_INVALID_PARAM':
    case 'M_INVALID_USERNAME':
    case 'M_APPSERVICE_LOGIN_UNSUPPORTED':
      return answer(400);
    case 'M_FORBIDDEN':
    case 'M_USER_DEACTIVATED':
      return answer(403);
    case 'M_MISSING_TOKEN':
      return answer(401);
    case 'M_TOO_LARGE':
      return answer(413);
    case 'M_UNKNOWN_TOKEN':
    case 'M_USER_LOCKED':
      return answer(401, { soft_logout: problem.softLogout });
    case 'M_LIMIT_EXCEEDED':
      return answer(
        429,
        { retry_after_ms: problem.retryAfterMs },
        { 'retry-after': String(Math.ceil(problem.retryAfterMs / 1000)) },
      );
    case 'M_UNRECOGNIZED':
    case 'M_UNKNOWN':
      return answer(problem.status);
    default:
      return unmapped(problem);
  }
}

/** Answers `problem` on a Koa response. */
export function sendMatrixError(ctx: Context, problem: MatrixProblem): void {
  sendMapped(ctx, matrixError(problem));
}
