import Router from '@koa/router';
import type { Context } from 'koa';
import { sendOAuthError } from '../http/errors/oauth.js';
import { contactClaims } from '../services/account-settings.js';
import type { Storage } from '../storage/storage.js';
import { sha256 } from './adapter.js';
import { ROUTES } from './provider.js';
import type { TokenLookup } from './token-lookup.js';

/**
 * OpenID Connect userinfo. Served here rather than by the engine, which refuses access tokens issued for
 * a resource server, and every Matrix access token is issued for the homeserver.
 */
export function userinfoRoutes(deps: { storage: Storage; tokens: TokenLookup }): Router {
  const router = new Router();
  const handler = async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Access-Control-Allow-Origin', '*');
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    const found = match ? await deps.tokens.find(match[1]!, ['AccessToken']) : undefined;
    if (!found?.user)
      return sendOAuthError(ctx, {
        kind: 'token_invalid',
        description: 'the access token is missing, expired or revoked',
      });
    const scopes = await grantedOpenIdScopes(deps.storage, found.payload.grantId);
    if (!scopes.has('openid'))
      return sendOAuthError(ctx, {
        kind: 'scope_insufficient',
        scope: 'openid',
        description: 'the access token was not granted the openid scope',
      });
    ctx.body = {
      sub: found.user.id,
      preferred_username: found.user.localpart,
      ...(await contactClaims(deps.storage, found.user.id, scopes)),
    };
  };
  router.get(ROUTES.userinfo, handler);
  router.post(ROUTES.userinfo, handler);
  router.options(ROUTES.userinfo, (ctx) => {
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Access-Control-Allow-Headers', 'Authorization');
    ctx.status = 204;
  });
  return router;
}

/** The OpenID scopes of the token's grant: an access token itself carries only the homeserver's scopes. */
async function grantedOpenIdScopes(storage: Storage, grantId: string | undefined): Promise<Set<string>> {
  if (!grantId) return new Set();
  const grant = await storage.oauthRecords.find('Grant', sha256(grantId));
  const openid = (grant?.payload as { openid?: { scope?: string } } | undefined)?.openid?.scope ?? '';
  return new Set(openid.split(' ').filter(Boolean));
}
