import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import { classifyEngineError } from '../oauth/engine-errors.js';
import type { EngineInteractions, InteractionDetails } from '../oauth/interactions.js';
import { publicPath } from './base-path.js';
import { readForm } from './body.js';
import { pageChrome } from './chrome.js';
import { allowFormTarget } from './csp.js';
import type { Csrf } from './csrf.js';
import { messagePage, type PageChrome } from './layout.js';
import { sendProblemPage } from './problem-page.js';

/** An authorization's interaction, as the engine describes it. */
export type Details = InteractionDetails;

/** What every step of the interaction pages shares (interaction/index.ts provides it). */
export interface InteractionKit {
  chrome(ctx: Context): PageChrome;
  /** The interaction this browser is in; answers the request itself (an error page) when there is none. */
  details(ctx: Context): Promise<Details | undefined>;
  /** The posted form when its CSRF token checks out; answers the request itself otherwise. */
  form(ctx: Context): Promise<Record<string, string> | undefined>;
  /** Sends an HTML page that is never cached. */
  page(ctx: Context, body: string, status?: number): void;
  /** The public path of a step of this interaction (`register`, `login`…). */
  step(d: Details, name: string): string;
  /** The sign-in form of this interaction (where a disabled step sends people). */
  login(ctx: Context, d: Details, extra?: { status?: number }): Promise<void>;
  /** Hands the interaction back to the engine with this result. */
  finish(ctx: Context, result: Record<string, unknown>, merge: boolean): Promise<void>;
}

/** When the interaction ends: state kept for it must not outlive it. */
export function interactionExpiry(d: Details): Date {
  return new Date(d.exp * 1000);
}

/** The kit without its sign-in form, which the login step provides. */
export function interactionKit(deps: {
  config: Config;
  interactions: EngineInteractions;
  csrf: Csrf;
}): Omit<InteractionKit, 'login'> {
  const { config, interactions, csrf } = deps;
  const chrome = pageChrome(config);
  // Routes match below public_base's path; the links and form actions printed include it.
  const root = config.http.publicBase.pathname;
  const step = (d: Details, name: string) => publicPath(root, `/interaction/${d.uid}/${name}`);
  const page = (ctx: Context, body: string, status = 200) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };

  const details = async (ctx: Context): Promise<Details | undefined> => {
    let found: Details;
    try {
      found = await interactions.details(ctx.req, ctx.res);
    } catch (e) {
      // A missing or expired interaction is the browser's problem; anything else is ours (a 500, logged).
      if (classifyEngineError(e) !== 'interaction_gone') throw e;
      sendProblemPage(ctx, chrome(ctx), { kind: 'interaction_gone' });
      return undefined;
    }
    // This browser's interaction is another one than the page's (an old tab): that one is gone for it.
    if (found.uid !== ctx.params.uid) {
      sendProblemPage(ctx, chrome(ctx), { kind: 'interaction_gone' });
      return undefined;
    }
    // The engine checked this redirect URI against the client before it opened the interaction.
    allowFormTarget(ctx, found.params.redirect_uri);
    return found;
  };

  const form = async (ctx: Context): Promise<Record<string, string> | undefined> => {
    const body = await readForm(ctx);
    if (csrf.verify(ctx, body.csrf)) return body;
    sendProblemPage(ctx, chrome(ctx), { kind: 'form_expired' });
    return undefined;
  };

  /**
   * The engine writes the redirect itself. If it fails before writing anything, Koa answers (an error
   * page) instead of leaving the request hanging.
   */
  const finish = async (ctx: Context, result: Record<string, unknown>, merge: boolean): Promise<void> => {
    ctx.respond = false;
    try {
      await interactions.finish(ctx.req, ctx.res, result, merge);
    } catch (e) {
      if (ctx.res.headersSent) throw e;
      ctx.respond = true;
      const c = chrome(ctx);
      page(ctx, messagePage(c, c.t('error.title'), c.t('interaction.finish_expired')), 400);
    }
  };

  return { chrome, details, form, page, step, finish };
}
