import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { cryptoRng, type Rng } from '../domain/random.js';
import { cookieName } from '../http/cookie-names.js';
import { publicRoot } from './base-path.js';

const COOKIE = 'mxauth-csrf';

/**
 * Double-submit CSRF protection bound to a secret: a random value lives in an HttpOnly cookie, and forms
 * carry an HMAC of it. A cross-site form can neither read the cookie nor forge the HMAC.
 */
export class Csrf {
  constructor(
    private readonly key: Buffer,
    private readonly secureCookies: boolean,
    private readonly rng: Rng = cryptoRng,
  ) {}

  /** The token to put in a form's hidden `csrf` field; sets the cookie when there is none yet. */
  token(ctx: Context): string {
    const name = this.#name(ctx);
    let value = ctx.cookies.get(name);
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
      value = Buffer.from(this.rng.bytes(32)).toString('base64url');
      ctx.cookies.set(name, value, {
        httpOnly: true,
        sameSite: 'lax',
        secure: this.secureCookies,
        path: publicRoot(ctx),
        signed: false,
        overwrite: true,
      });
      // Later reads within this request see the new value.
      ctx.state.csrfCookie = value;
    }
    return this.#mac(value);
  }

  verify(ctx: Context, submitted: unknown): boolean {
    const value = ctx.state.csrfCookie ?? ctx.cookies.get(this.#name(ctx));
    if (typeof submitted !== 'string' || !value) return false;
    const expected = Buffer.from(this.#mac(value));
    const given = Buffer.from(submitted);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #name(ctx: Context): string {
    return cookieName(COOKIE, this.secureCookies, publicRoot(ctx));
  }

  #mac(value: string): string {
    return createHmac('sha256', this.key).update(`csrf:${value}`).digest('base64url');
  }
}
