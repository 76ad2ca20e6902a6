import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { EnginePages } from './engine-pages.js';

/**
 * RP-initiated logout without an open redirect (OpenID Connect RP-Initiated Logout 1.0 §2, §6).
 *
 * For a browser that is not signed in, the engine answers the logout request with a page that submits
 * itself and then sends the browser on to the `post_logout_redirect_uri`. With only a `client_id`, that is
 * a redirect anyone can trigger to any URI a self-registered client declared on its own site: a lure that
 * passes through the server's address. Only a valid `id_token_hint` shows that the client the person
 * actually used asked for the redirect; without one, mxauth asks for a click first (the page below). A
 * signed-in browser always gets the engine's own sign-out question, which is that click.
 *
 * Runs around the engine's router (after it, by route name, so every spelling of the path is covered).
 */
export function logoutConfirmation(pages: EnginePages): Middleware {
  return async (ctx, next) => {
    await next();
    const { oidc } = ctx as KoaContextWithOIDC;
    if (oidc?.route !== 'end_session' || ctx.status !== 200) return;
    const { session } = oidc;
    // Signed in: the engine rendered the sign-out question (pages.logout), which needs a click anyway.
    if (!session || session.accountId) return;
    const target = session.state?.postLogoutRedirectUri as string | undefined;
    // The engine sets IdTokenHint only for a hint it decoded, and fails the request if it does not verify.
    if (!target || oidc.entities.IdTokenHint) return;
    const destination = URL.parse(target);
    const secret = session.state?.secret as string | undefined;
    if (!destination || !secret) return;
    // The engine's own confirmation form (its CSRF token in the session), submitted only by the button.
    const form = `<form id="op.logoutForm" method="post" action="${escapeAttribute(oidc.urlFor('end_session_confirm'))}"><input type="hidden" name="xsrf" value="${escapeAttribute(secret)}"/><input type="hidden" name="logout" value="yes"/></form>`;
    await pages.logoutContinue(ctx as KoaContextWithOIDC, form, destination);
  };
}

const escapeAttribute = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
