import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import { deriveKey, KEY_LABELS } from '../config/derived-keys.js';
import type { Clock } from '../domain/clock.js';
import { cryptoRng, type Rng } from '../domain/random.js';
import { cookieName } from '../http/cookie-names.js';
import { publicRoot } from './base-path.js';

const NAME = 'mxauth-known-browser';
const LIFETIME_MS = 365 * 24 * 3600 * 1000;
/** Accounts one browser is remembered for; the oldest sign-in is forgotten first. */
const MAX_ACCOUNTS = 5;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

interface Entry {
  userId: string;
  issuedAt: number;
  browserId: string;
}

/**
 * "This browser has signed in to this account before": a long-lived cookie (a year, HttpOnly,
 * SameSite=Lax, Secure with an https public_base) holding, per account, a random browser id and when it
 * last signed in, with an HMAC under a key derived from mxauth's secret and bound to the account id. It
 * lets the owner past the per-account sign-in limit (services/login-limits.ts) that a guesser elsewhere
 * has used up; the browser then has a per-account budget of its own, and the per-address limit as ever.
 * It proves nothing else: it never signs anyone in.
 */
export class KnownBrowsers {
  readonly #key: Buffer;

  constructor(
    config: Config,
    private readonly clock: Clock,
    private readonly rng: Rng = cryptoRng,
  ) {
    this.#key = deriveKey(config, KEY_LABELS.knownBrowser);
  }

  /** This browser's id for account `userId` when it signed in to it before (a valid, unexpired entry). */
  idFor(ctx: Context, userId: string): string | undefined {
    return this.#read(ctx).find((e) => e.userId === userId)?.browserId;
  }

  /** Whether the request carries the cookie at all (no lookup is needed otherwise). */
  present(ctx: Context): boolean {
    return !!ctx.cookies.get(nameFor(ctx));
  }

  /** Remembers that this browser signed in to `userId` now, keeping its id for that account if it had one. */
  remember(ctx: Context, userId: string): void {
    if (!ID.test(userId)) return;
    const now = this.clock.now().getTime();
    const entries = this.#read(ctx);
    const browserId =
      entries.find((e) => e.userId === userId)?.browserId ??
      Buffer.from(this.rng.bytes(12)).toString('base64url');
    const kept = [{ userId, issuedAt: now, browserId }, ...entries.filter((e) => e.userId !== userId)].slice(
      0,
      MAX_ACCOUNTS,
    );
    ctx.cookies.set(nameFor(ctx), kept.map((e) => this.#write(e)).join('~'), {
      httpOnly: true,
      sameSite: 'lax',
      // Koa marks it Secure when the connection is (surfaces.ts sets that for an https public_base).
      secure: ctx.cookies.secure,
      path: publicRoot(ctx),
      expires: new Date(now + LIFETIME_MS),
      signed: false,
      overwrite: true,
    });
  }

  #read(ctx: Context): Entry[] {
    const value = ctx.cookies.get(nameFor(ctx));
    if (!value || value.length > 2048) return [];
    const now = this.clock.now().getTime();
    const entries: Entry[] = [];
    for (const part of value.split('~').slice(0, MAX_ACCOUNTS)) {
      const [userId = '', issued = '', browserId = '', mac = ''] = part.split('.');
      const issuedAt = Number(issued);
      if (!ID.test(userId) || !ID.test(browserId) || !/^\d{1,15}$/.test(issued)) continue;
      if (issuedAt > now || now - issuedAt > LIFETIME_MS) continue;
      const expected = this.#mac({ userId, issuedAt, browserId });
      const given = Buffer.from(mac, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) continue;
      entries.push({ userId, issuedAt, browserId });
    }
    return entries;
  }

  #write(e: Entry): string {
    return `${e.userId}.${e.issuedAt}.${e.browserId}.${this.#mac(e).toString('base64url')}`;
  }

  #mac(e: Entry): Buffer {
    return createHmac('sha256', this.#key)
      .update(`known-browser:${e.userId}:${e.issuedAt}:${e.browserId}`)
      .digest()
      .subarray(0, 16);
  }
}

/** `__Host-`/`__Secure-` under https, like every cookie mxauth sets (http/cookie-names.ts). */
function nameFor(ctx: Context): string {
  return cookieName(NAME, ctx.cookies.secure, publicRoot(ctx));
}
