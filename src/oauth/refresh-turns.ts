import type { Middleware } from 'koa';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { tokenHash } from '../domain/token-hash.js';

const HELD = Symbol('mxauth refresh turn');

/**
 * Refreshes of one refresh token, one at a time (in this process). Concurrent refreshes of a token (a
 * client sending twice, two tabs) otherwise interleave in the engine's read, consume and rotate steps: one
 * reads the token consumed before its successor is linked and answers `invalid_grant` (which ends the
 * device), or two successors both stay live (a fork). Taken in turn, every request after the first
 * finds the token rotated with an unused successor: the lost-response retry (adapter.ts), so each gets
 * a fresh pair and the previous pair is retired. Tokens other than the one presented are never waited on.
 */
export class RefreshTurns {
  readonly #tails = new Map<string, Promise<void>>();

  /** During a refresh, the refresh token the engine is issuing (its entity, once saved). */
  issuing(): string | undefined {
    const ctx = Provider.ctx as KoaContextWithOIDC | undefined;
    if (ctx?.oidc?.params?.grant_type !== 'refresh_token') return undefined;
    return ctx.oidc.entities.RefreshToken?.jti;
  }

  /** Before the adapter reads refresh token `id`: waits for this request's turn if it is refreshing `id`. */
  async beforeRead(id: string): Promise<void> {
    const ctx = Provider.ctx as KoaContextWithOIDC | undefined;
    const params = ctx?.oidc?.params;
    if (!ctx || params?.grant_type !== 'refresh_token' || params.refresh_token !== id) return;
    const state = ctx.state as Record<symbol, unknown>;
    if (state[HELD]) return;
    const key = tokenHash(id);
    const before = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => mine);
    this.#tails.set(key, tail);
    state[HELD] = () => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
    await before;
  }

  /** Ends the request's turn once the engine has answered (every write of the refresh is done by then). */
  readonly middleware: Middleware = async (ctx, next) => {
    try {
      await next();
    } finally {
      (ctx.state as Record<symbol, (() => void) | undefined>)[HELD]?.();
    }
  };
}
