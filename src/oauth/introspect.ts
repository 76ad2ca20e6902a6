import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import { parseMatrixScope } from '../domain/matrix-scopes.js';
import type { Storage } from '../storage/storage.js';
import { readForm } from '../web/body.js';
import { introspectionScope } from './matrix-resource.js';
import { ROUTES } from './provider.js';
import { findActiveToken } from './token-lookup.js';

export interface IntrospectionDependencies {
  config: Config;
  storage: Storage;
  clock: Clock;
}

const INACTIVE = { active: false } as const;

/**
 * Token introspection as Synapse calls it (RFC 7662 with Matrix fields): authenticated by the shared
 * secret, answered from one indexed lookup of the token's hash plus the owner's state. mxauth's own
 * handler rather than the engine's, because every homeserver request may cause one.
 */
export function introspectionRoutes(deps: IntrospectionDependencies): Router {
  const router = new Router();
  const secretDigest = deps.config.matrix.secret ? digest(deps.config.matrix.secret) : undefined;

  router.post(ROUTES.introspection, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (!authorized(ctx, secretDigest)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="mxauth"');
      ctx.body = {
        error: 'invalid_client',
        error_description: 'introspection needs the homeserver shared secret as a Bearer token',
      };
      return;
    }
    if (!ctx.is('application/x-www-form-urlencoded')) {
      ctx.status = 400;
      ctx.body = {
        error: 'invalid_request',
        error_description: 'the body must be application/x-www-form-urlencoded',
      };
      return;
    }
    const form = await readForm(ctx);
    if (!form.token) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'the token parameter is missing' };
      return;
    }
    ctx.body = await introspect(deps, form.token, form.token_type_hint);
  });
  return router;
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
  const found = await findActiveToken(deps.storage, deps.clock, token, models);
  if (!found) return INACTIVE;
  const { payload: p, user, now, model } = found;
  const common = {
    active: true,
    client_id: p.clientId,
    token_type: tokenType(model),
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

const tokenType = (model: string) => (model === 'AccessToken' ? 'access_token' : 'refresh_token');

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison of the Bearer value with the shared secret (both hashed to one length first). */
function authorized(ctx: Context, secretDigest: Buffer | undefined): boolean {
  if (!secretDigest) return false;
  const header = ctx.get('authorization');
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match) return false;
  return timingSafeEqual(digest(match[1]!.trim()), secretDigest);
}
