import type { Context, Middleware } from 'koa';
import type { Config } from '../config/config.js';
import type { UpstreamProvider } from '../config/upstream.js';
import { respondError } from '../http/respond.js';
import type { EngineInteractions } from '../oauth/interactions.js';
import type { Logger } from '../observability/logger.js';
import { publicPath } from '../web/base-path.js';
import { readForm } from '../web/body.js';
import { pageChrome } from '../web/chrome.js';
import { html } from '../web/html.js';
import { layout } from '../web/layout.js';
import { sendProblemPage } from '../web/problem-page.js';
import type { BrowserBinding } from './browser-binding.js';
import type { UpstreamFlow } from './flow.js';
import type { UpstreamLogout } from './logout.js';
import type { UpstreamMetrics } from './metrics.js';
import { callbackProblemView, sendUpstreamProblem } from './problem.js';

/** The field a self-reposted callback carries, so it is reposted once at most. */
const REPOSTED = 'mxauth_reposted';
/** Interaction uids are the engine's (nanoid); anything else names none. */
const UID = /^[A-Za-z0-9_-]{1,64}$/;
/** A logout token is a JWT; longer than this is no provider's. */
const MAX_LOGOUT_TOKEN = 16 * 1024;

export interface UpstreamHttpDependencies {
  config: Config;
  flow: UpstreamFlow;
  binding: BrowserBinding;
  interactions: EngineInteractions;
  logout: UpstreamLogout;
  metrics: UpstreamMetrics;
  logger: Logger;
}

/** The upstream routes (rows in src/routes.ts), at MAS's paths and Synapse's callback path. */
export interface UpstreamHandlers {
  /** `GET upstream/authorize/:providerId?interaction=<uid>`: off to the provider. */
  authorize: Middleware;
  /** `GET|POST upstream/callback/:providerId`: back from it. */
  callback: Middleware;
  /** `GET|POST /_synapse/client/oidc/callback`: the same, the provider found from the state. */
  synapseCallback: Middleware;
  /** `POST upstream/backchannel-logout/:providerId`. */
  backchannelLogout: Middleware;
}

export function upstreamHandlers(deps: UpstreamHttpDependencies): UpstreamHandlers {
  const { config, flow, binding, interactions, metrics, logger } = deps;
  const root = config.http.publicBase.pathname;
  const chrome = pageChrome(config);
  const providers = new Map(config.upstream.filter((p) => p.enabled).map((p) => [p.id, p]));
  const loginOf = (uid: string | null | undefined) =>
    uid ? publicPath(root, `/interaction/${uid}/login`) : undefined;

  const provider = (ctx: Context): UpstreamProvider | undefined => {
    const found = providers.get(ctx.params.providerId ?? '');
    if (!found) respondError(ctx, { kind: 'not_found' });
    return found;
  };

  const authorize: Middleware = async (ctx) => {
    const p = provider(ctx);
    if (!p) return;
    const uid = typeof ctx.query.interaction === 'string' ? ctx.query.interaction : '';
    const params = UID.test(uid) ? await interactions.interactionParams(uid) : undefined;
    if (!params) return sendProblemPage(ctx, chrome(ctx), { kind: 'interaction_gone' });
    const started = await flow.start({
      provider: p,
      purpose: 'sign_in',
      interactionUid: uid,
      userId: null,
      browserToken: binding.ensure(ctx),
      params,
    });
    if (!started.ok) {
      metrics.signIn(p.id, started.error.kind);
      logger.warn({ provider: p.id, problem: started.error.detail }, 'upstream provider not usable');
      return sendUpstreamProblem(ctx, chrome(ctx), {
        provider: p,
        ...callbackProblemView({ kind: 'failed', failure: started.error }),
        otherWays: loginOf(uid),
      });
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(started.value.href);
  };

  /** The callback's parameters (the query, or a form_post body), or undefined when answered already. */
  const callbackParameters = async (ctx: Context): Promise<URLSearchParams | undefined> => {
    if (ctx.method !== 'POST') return new URLSearchParams(ctx.querystring);
    const form = await readForm(ctx);
    const parameters = new URLSearchParams(form);
    // A form_post arrives cross-site, so SameSite=Lax leaves the binding cookie behind. The page posts
    // the same fields again from this origin, which brings it (once: the marker stops a loop).
    if (!binding.read(ctx) && form[REPOSTED] === undefined) {
      selfRepost(ctx, parameters);
      return undefined;
    }
    parameters.delete(REPOSTED);
    return parameters;
  };

  const selfRepost = (ctx: Context, parameters: URLSearchParams) => {
    const c = chrome(ctx);
    const fields = [...parameters, [REPOSTED, '1']].map(
      ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
    );
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = layout(
      c,
      c.t('upstream.repost.title'),
      html`<h1>${c.t('upstream.repost.title')}</h1>
<form method="post" action="${publicPath(root, ctx.path)}" data-auto-submit>${fields}
<button type="submit">${c.t('upstream.repost')}</button></form>`,
    );
  };

  const finishCallback = async (ctx: Context, p: UpstreamProvider, parameters: URLSearchParams) => {
    const result = await flow.callback({ provider: p, parameters, browserToken: binding.read(ctx) });
    if (!result.ok) {
      const problem = result.error;
      metrics.signIn(p.id, problem.kind === 'failed' ? problem.failure.kind : problem.kind);
      if (problem.kind === 'failed')
        logger.warn({ provider: p.id, problem: problem.failure.detail }, 'upstream sign-in failed');
      const state = parameters.get('state');
      const uid = state ? await flow.interactionOfState(state) : undefined;
      return sendUpstreamProblem(ctx, chrome(ctx), {
        provider: p,
        ...callbackProblemView(problem),
        otherWays: loginOf(uid),
      });
    }
    const authorization = result.value;
    ctx.set('Cache-Control', 'no-store');
    if (authorization.purpose === 'link')
      return ctx.redirect(publicPath(root, `/account/upstream/${authorization.id}`));
    ctx.redirect(
      publicPath(root, `/interaction/${authorization.interactionUid}/upstream/${authorization.id}`),
    );
  };

  const callback: Middleware = async (ctx) => {
    const p = provider(ctx);
    if (!p) return;
    const parameters = await callbackParameters(ctx);
    if (parameters) await finishCallback(ctx, p, parameters);
  };

  const synapseCallback: Middleware = async (ctx) => {
    const parameters = await callbackParameters(ctx);
    if (!parameters) return;
    const state = parameters.get('state');
    const p = state ? providers.get((await flow.providerOfState(state)) ?? '') : undefined;
    if (!p) return sendProblemPage(ctx, chrome(ctx), { kind: 'interaction_gone' });
    await finishCallback(ctx, p, parameters);
  };

  const backchannelLogout: Middleware = async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const p = providers.get(ctx.params.providerId ?? '');
    if (!p)
      return sendJson(ctx, 404, {
        error: 'invalid_request',
        error_description: 'no such upstream provider: is the back-channel logout URI right?',
      });
    const form = await readForm(ctx);
    const token = form.logout_token;
    if (!token || token.length > MAX_LOGOUT_TOKEN)
      return sendJson(ctx, 400, { error: 'invalid_request', error_description: 'logout_token is missing' });
    const verified = await flow.client(p.id)!.verifyLogoutToken(token);
    if (!verified.ok) {
      logger.warn({ provider: p.id, problem: verified.error.detail }, 'back-channel logout token refused');
      if (verified.error.kind === 'unreachable' || verified.error.kind === 'bad_response')
        return sendJson(ctx, 503, {
          error: 'temporarily_unavailable',
          error_description: 'the provider keys cannot be fetched',
        });
      return sendJson(ctx, 400, {
        error: 'invalid_request',
        error_description: 'the logout token is not valid',
      });
    }
    const ended = await deps.logout.backchannel(p, verified.value);
    logger.info({ provider: p.id, ...ended }, 'back-channel logout from upstream');
    ctx.status = 200;
    ctx.body = '';
  };

  return { authorize, callback, synapseCallback, backchannelLogout };
}

function sendJson(ctx: Context, status: number, body: Record<string, string>): void {
  ctx.status = status;
  ctx.body = body;
}
