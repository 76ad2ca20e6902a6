import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import type { Rng } from '../domain/random.js';
import { cookieName } from '../http/cookie-names.js';

const COOKIE = 'mxauth-upstream';

/**
 * The cookie binding an upstream sign-in to the browser that started it: a random value whose hash the
 * authorization keeps, so a callback (or the steps after it) in another browser is refused. HttpOnly,
 * SameSite=Lax (a form_post callback arrives without it: see http.ts's self-repost), Secure over https.
 */
export class BrowserBinding {
  readonly #name: string;
  readonly #secure: boolean;
  readonly #path: string;

  constructor(
    config: Config,
    private readonly rng: Rng,
  ) {
    this.#secure = config.http.publicBase.protocol === 'https:';
    this.#path = config.http.publicBase.pathname;
    this.#name = cookieName(COOKIE, this.#secure, this.#path);
  }

  read(ctx: Context): string | undefined {
    const value = ctx.cookies.get(this.#name);
    return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
  }

  /** This browser's value, made and set when it has none. */
  ensure(ctx: Context): string {
    const existing = this.read(ctx);
    if (existing) return existing;
    const value = Buffer.from(this.rng.bytes(32)).toString('base64url');
    ctx.cookies.set(this.#name, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.#secure,
      path: this.#path,
      overwrite: true,
      // Outlives any one sign-in (10 minutes), not the browser's day.
      maxAge: 24 * 3_600_000,
    });
    return value;
  }
}
