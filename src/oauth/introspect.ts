import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import { parseMatrixScope } from '../domain/matrix-scopes.js';
import type { Storage } from '../storage/storage.js';
import type { IntrospectionCache } from './introspection-cache.js';
import { introspectionScope } from './matrix-resource.js';
import { findActiveToken } from './token-lookup.js';

export interface IntrospectionDependencies {
  config: Config;
  storage: Storage;
  clock: Clock;
  cache: IntrospectionCache;
}

const INACTIVE = { active: false } as const;
const BODY_LIMIT = 16 * 1024;

/**
 * Token introspection as Synapse calls it (RFC 7662 with Matrix fields), authenticated by the shared
 * secret. It is the hot path (every homeserver request may cause one), so it is a plain Node handler in
 * front of the Koa app: the shared-secret check, one indexed lookup of the token's hash (or the cache),
 * the owner's state, and the answer. Returns the status it sent.
 */
export function introspectionHandler(
  deps: IntrospectionDependencies,
): (req: IncomingMessage, res: ServerResponse) => Promise<number> {
  const secretDigest = deps.config.matrix.secret ? digest(deps.config.matrix.secret) : undefined;
  return async (req, res) => {
    if (!authorized(req.headers.authorization, secretDigest)) {
      return send(
        res,
        401,
        {
          error: 'invalid_client',
          error_description: 'introspection needs the homeserver shared secret as a Bearer token',
        },
        { 'www-authenticate': 'Bearer realm="mxauth"' },
      );
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded')
      return send(res, 400, {
        error: 'invalid_request',
        error_description: 'the body must be application/x-www-form-urlencoded',
      });
    const body = await readBody(req);
    if (body === undefined)
      return send(res, 413, { error: 'invalid_request', error_description: 'the request body is too large' });
    const form = new URLSearchParams(body);
    const token = form.get('token');
    if (!token)
      return send(res, 400, {
        error: 'invalid_request',
        error_description: 'the token parameter is missing',
      });
    return send(res, 200, await introspect(deps, token, form.get('token_type_hint') ?? undefined));
  };
}

async function introspect(
  deps: IntrospectionDependencies,
  token: string,
  hint: string | undefined,
): Promise<object> {
  const models =
    hint === 'refresh_token'
      ? (['RefreshToken', 'AccessToken'] as const)
      : (['AccessToken', 'RefreshToken'] as const);
  const found = await findActiveToken(deps.storage, deps.clock, token, models, deps.cache);
  if (!found) return INACTIVE;
  const { payload: p, user, now, model } = found;
  const common = {
    active: true,
    client_id: p.clientId,
    token_type: model === 'AccessToken' ? 'access_token' : 'refresh_token',
    iat: p.iat,
    ...(p.exp !== undefined ? { exp: p.exp, expires_in: p.exp - now } : {}),
    iss: deps.config.http.issuer,
  };
  // Client credentials: a client acting for itself, no Matrix user.
  if (!user) return { ...common, scope: p.scope ?? '' };
  const scope = p.scope ?? '';
  const parsed = parseMatrixScope(scope);
  return {
    ...common,
    scope: introspectionScope(scope),
    sub: user.id,
    username: user.localpart,
    ...(parsed.ok && parsed.value.deviceId ? { device_id: parsed.value.deviceId } : {}),
    ...(p.aud ? { aud: p.aud } : {}),
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): number {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(json);
  return status;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison of the Bearer value with the shared secret (both hashed to one length first). */
function authorized(header: string | undefined, secretDigest: Buffer | undefined): boolean {
  if (!secretDigest || !header) return false;
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match) return false;
  return timingSafeEqual(digest(match[1]!.trim()), secretDigest);
}
