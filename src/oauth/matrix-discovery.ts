import type { Context, Middleware, Next } from 'koa';
import type { Config } from '../config/config.js';

/**
 * Matrix discovery for deployments that route these paths to mxauth instead of the homeserver (a
 * homeserver that does not serve them, or a static site that cannot): the client well-known document
 * with the authentication issuer added (MSC2965), the server metadata under the client-server API
 * (`auth_metadata`, stable and unstable) and the older `auth_issuer`.
 */
export interface MatrixDiscoveryHandlers {
  clientWellKnown: Middleware;
  /** Both spellings of `auth_metadata`: the engine's metadata document under another path. */
  authMetadata: Middleware;
  authIssuer: Middleware;
  /** CORS preflight of each of them. */
  preflight: Middleware;
}

export function matrixDiscoveryHandlers(config: Config): MatrixDiscoveryHandlers {
  const issuer = config.http.issuer;
  const account = `${config.http.publicBase.href}account/`;
  const cors = (ctx: Context) => {
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
    ctx.set('Access-Control-Allow-Headers', 'X-Requested-With, Content-Type, Authorization');
  };
  const preflight = (ctx: Context) => {
    cors(ctx);
    ctx.status = 204;
  };

  const clientWellKnown = (ctx: Context) => {
    cors(ctx);
    const base = config.matrix.wellKnownClient;
    if (!base) {
      ctx.status = 404;
      ctx.body = {
        errcode: 'M_NOT_FOUND',
        error: 'This server does not publish the client well-known document (matrix.well_known_client).',
      };
      return;
    }
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = { ...base, 'org.matrix.msc2965.authentication': { issuer, account } };
  };

  // The metadata document itself comes from the engine: the same answer as /.well-known/openid-configuration.
  const authMetadata = (ctx: Context, next: Next) => {
    ctx.path = '/.well-known/openid-configuration';
    return next();
  };
  const authIssuer = (ctx: Context) => {
    cors(ctx);
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = { issuer };
  };
  return { clientWellKnown, authMetadata, authIssuer, preflight };
}
