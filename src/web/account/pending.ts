import type { Context } from 'koa';
import { cookieName } from '../../http/cookie-names.js';

const COOKIE = 'mxauth-account-codes';
/** More codes waiting than anyone types in at once; the oldest are forgotten first. */
const MAX_PENDING = 8;
const ID = /^[0-9A-Za-z]{10,40}$/;
const WRITTEN = Symbol('pending codes written by this request');

/**
 * The verification codes this browser is waiting to type in (their ids, not the codes), so the email
 * and phone views can show a code field per address or number until it is verified, across reloads
 * and without scripts. The ids prove nothing: each is checked against the signed-in user when used.
 */
export class PendingCodes {
  constructor(
    private readonly path: string,
    private readonly secure: boolean,
  ) {}

  get #name(): string {
    return cookieName(COOKIE, this.secure, this.path);
  }

  list(ctx: Context): string[] {
    // What this request already wrote wins over what the browser sent.
    const written = (ctx.state as Record<symbol, string[] | undefined>)[WRITTEN];
    if (written) return written;
    return (ctx.cookies.get(this.#name) ?? '')
      .split('.')
      .filter((id) => ID.test(id))
      .slice(-MAX_PENDING);
  }

  add(ctx: Context, id: string): void {
    this.#save(ctx, [...this.list(ctx).filter((other) => other !== id), id]);
  }

  /** Forgets `ids` (verified, cancelled, replaced or dead). */
  remove(ctx: Context, ...ids: string[]): void {
    const before = this.list(ctx);
    const after = before.filter((id) => !ids.includes(id));
    if (after.length !== before.length) this.#save(ctx, after);
  }

  #save(ctx: Context, ids: string[]): void {
    const kept = ids.slice(-MAX_PENDING);
    (ctx.state as Record<symbol, string[]>)[WRITTEN] = kept;
    const value = kept.join('.');
    ctx.cookies.set(this.#name, value === '' ? '' : value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: this.path,
      overwrite: true,
      ...(value === '' ? { maxAge: 0 } : {}),
    });
  }
}
