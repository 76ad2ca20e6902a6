import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import { deriveKey } from '../config/derived-keys.js';
import { cookieName } from '../http/cookie-names.js';
import { SecretBox } from '../services/secret-box.js';
import { publicPath, publicRoot } from './base-path.js';

/**
 * State a sign-in step keeps between two requests (a registration waiting for its emailed code, a
 * password proven but terms not yet accepted), held by the browser in a cookie sealed with mxauth's
 * key: unreadable and unforgeable there, HttpOnly, SameSite=Lax, sent only to this interaction's pages,
 * bound to the interaction's uid and dying with it.
 */
export class InteractionCookie<T> {
  readonly #box: SecretBox;

  constructor(
    config: Config,
    private readonly name: 'mxauth-terms' | 'mxauth-registration',
    private readonly secure: boolean,
  ) {
    this.#box = new SecretBox(deriveKey(config, `mxauth ${name}`));
  }

  /** Keeps `value` for interaction `uid` until `expiresAt` (the interaction's own end). */
  set(ctx: Context, uid: string, expiresAt: Date, value: T): void {
    const sealed = this.#box.seal(JSON.stringify({ uid, exp: expiresAt.getTime(), value }));
    ctx.cookies.set(this.#cookie, sealed, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: this.#path(ctx, uid),
      expires: expiresAt,
      signed: false,
      overwrite: true,
    });
  }

  /** The value kept for interaction `uid`; undefined when none, expired, or kept for another one. */
  get(ctx: Context, uid: string, now: Date): T | undefined {
    const sealed = ctx.cookies.get(this.#cookie);
    const plain = sealed ? this.#box.open(sealed) : undefined;
    if (plain === undefined) return undefined;
    try {
      const kept = JSON.parse(plain) as { uid: string; exp: number; value: T };
      if (kept.uid !== uid || kept.exp <= now.getTime()) return undefined;
      return kept.value;
    } catch {
      return undefined;
    }
  }

  clear(ctx: Context, uid: string): void {
    ctx.cookies.set(this.#cookie, '', {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: this.#path(ctx, uid),
      expires: new Date(0),
      signed: false,
      overwrite: true,
    });
  }

  /** Scoped to one interaction's pages, so never `__Host-`. */
  get #cookie(): string {
    return cookieName(this.name, this.secure, '/interaction/');
  }

  #path(ctx: Context, uid: string): string {
    return publicPath(publicRoot(ctx), `/interaction/${uid}`);
  }
}
