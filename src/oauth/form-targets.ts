import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { allowFormTarget } from '../web/csp.js';

/**
 * The engine's pages whose forms end at a client: the form_post page (it posts the code to the
 * redirect URI) and the sign-out question (its confirmation redirects to the post-logout URI). The
 * strict `form-action 'self'` (web/security-headers.ts) is widened on them by exactly that URI, and
 * only once the engine has accepted it for this client; every other engine page keeps the default.
 */
export const engineFormTargets: Middleware = async (ctx, next) => {
  await next();
  const { oidc } = ctx as KoaContextWithOIDC;
  if (!oidc || !ctx.response.is('html')) return;
  if (oidc.route === 'end_session') {
    // Set by the engine only after it matched the URI against the client's registered ones.
    allowFormTarget(ctx, oidc.session?.state?.postLogoutRedirectUri);
    return;
  }
  const uri = oidc.params?.redirect_uri;
  if (typeof uri === 'string' && oidc.client?.redirectUriAllowed(uri)) allowFormTarget(ctx, uri);
};
