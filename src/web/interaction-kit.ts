import type { Context } from 'koa';
import type { OAuthEngine } from '../oauth/provider.js';

/** An authorization's interaction, as the engine describes it. */
export type Details = Awaited<ReturnType<OAuthEngine['interactionDetails']>>;

/** What every step of the interaction pages shares (see interaction.ts, which provides it). */
export interface InteractionKit {
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
