import type { Context } from 'koa';
import { type MatrixProblem, sendMatrixError } from '../http/errors/matrix.js';
import { BODY_LIMITS, readBody } from '../http/read-body.js';
import { controlCharacterMessage, findControlCharacter } from '../http/text-guard.js';
import type { CompatGrant } from '../services/compat-sessions.js';

/** A Matrix error answer thrown from deep in an endpoint (http/errors/matrix.ts maps it). */
export class MatrixError extends Error {
  constructor(readonly problem: MatrixProblem) {
    super(problem.message);
  }
}

/** An endpoint of the compatibility API: CORS, never cached, and a thrown MatrixError as its answer. */
export function matrixEndpoint(fn: (ctx: Context) => Promise<void>) {
  return async (ctx: Context): Promise<void> => {
    cors(ctx);
    ctx.set('Cache-Control', 'no-store');
    try {
      await fn(ctx);
    } catch (e) {
      if (!(e instanceof MatrixError)) throw e;
      sendMatrixError(ctx, e.problem);
    }
  };
}

/** Matrix client-server API CORS: any origin, as the spec asks of homeservers. */
export function cors(ctx: Context): void {
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
  ctx.set('Access-Control-Allow-Headers', 'X-Requested-With, Content-Type, Authorization');
}

export function tokenFields(grant: CompatGrant): Record<string, unknown> {
  return {
    access_token: grant.accessToken,
    ...(grant.refreshToken ? { refresh_token: grant.refreshToken, expires_in_ms: grant.expiresInMs } : {}),
  };
}

export function unknownToken(): MatrixError {
  return new MatrixError({
    errcode: 'M_UNKNOWN_TOKEN',
    message: 'Unknown or expired access token',
    softLogout: false,
  });
}

/** The access token of the request: the Authorization header, or the deprecated `access_token` parameter. */
export function accessToken(ctx: Context): string {
  const header = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
  const token =
    header?.[1] ?? (typeof ctx.query.access_token === 'string' ? ctx.query.access_token : undefined);
  if (!token) throw new MatrixError({ errcode: 'M_MISSING_TOKEN', message: 'Missing access token' });
  return token;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new MatrixError({ errcode: 'M_BAD_JSON', message: `${key} must be a string` });
  return value;
}

export async function readJson(ctx: Context): Promise<Record<string, unknown>> {
  const raw = await readBody(ctx.req, ctx.res, BODY_LIMITS.matrixJson);
  if (raw === undefined)
    throw new MatrixError({ errcode: 'M_TOO_LARGE', message: 'The request body is too large' });
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new MatrixError({ errcode: 'M_NOT_JSON', message: 'The request body is not JSON' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new MatrixError({ errcode: 'M_BAD_JSON', message: 'The request body must be a JSON object' });
  // Every field of the body, before any is looked up (PostgreSQL refuses NUL in text: a 500 otherwise).
  const bad = findControlCharacter(body);
  if (bad !== undefined)
    throw new MatrixError({ errcode: 'M_INVALID_PARAM', message: controlCharacterMessage(bad) });
  return body as Record<string, unknown>;
}
