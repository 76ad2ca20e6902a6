import type { Context, Middleware } from 'koa';
import { sendOAuthError } from '../http/errors/oauth.js';
import type { UserinfoService } from '../services/userinfo.js';
import type { TokenLookup } from './token-lookup.js';

/**
 * OpenID Connect userinfo. Served here rather than by the engine, which refuses access tokens issued for
 * a resource server, and every Matrix access token is issued for the homeserver.
 */
export interface UserinfoHandlers {
  userinfo: Middleware;
  preflight: Middleware;
}

export function userinfoHandlers(deps: { userinfo: UserinfoService; tokens: TokenLookup }): UserinfoHandlers {
  const userinfo = async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Access-Control-Allow-Origin', '*');
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    const found = match ? await deps.tokens.find(match[1]!, ['AccessToken']) : undefined;
    if (!found?.user)
      return sendOAuthError(ctx, {
        kind: 'token_invalid',
        description: 'the access token is missing, expired or revoked',
      });
    const claims = await deps.userinfo.claims(found.user, found.payload.grantId);
    if (!claims)
      return sendOAuthError(ctx, {
        kind: 'scope_insufficient',
        scope: 'openid',
        description: 'the access token was not granted the openid scope',
      });
    ctx.body = claims;
  };
  const preflight = (ctx: Context) => {
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Access-Control-Allow-Headers', 'Authorization');
    ctx.status = 204;
  };
  return { userinfo, preflight };
}
