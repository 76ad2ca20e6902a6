import { createHash } from 'node:crypto';
import type { Middleware } from 'koa';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../domain/clock.js';
import { tokenHash } from '../domain/token-hash.js';
import { ROUTES } from './provider.js';

const HELD = Symbol('mxauth refresh turn');

/**
 * Concurrent refreshes of one refresh token (a client sending twice, two tabs) in this process.
 *
 * Identical requests (same body, same client authentication) that arrive while the first is being
 * answered, or within SHARE_MS after, get the first one's answer: one pair, and whichever answer the client
 * keeps works, so a client that keeps an earlier arrival is never told `invalid_grant` (which ends the
 * device). Whoever can send the identical request holds the refresh token and could refresh anyway, so
 * sharing the answer gives nobody anything new; and once the answer's own refresh token is used, the
 * answer is forgotten, so presenting the old token again is a replay the engine ends the session for.
 * Answers are held in memory for that window only.
 *
 * Other refreshes of the same token take turns in the engine (`beforeRead`). Otherwise they interleave in
 * its read, consume and rotate steps: one reads the token consumed before its successor is linked and
 * answers `invalid_grant`, or two successors both stay live (a fork). Taken in turn, every request after
 * the first finds the token rotated with an unused successor: the lost-response retry (adapter.ts), so each
 * gets a fresh pair and the previous pair is retired. Tokens other than the one presented never wait.
 */
/** How long an identical refresh gets the same answer: longer than a client's retry of a request it sent twice. */
const SHARE_MS = 10_000;

type Answer = Record<string, unknown>;

export class RefreshTurns {
  readonly #tails = new Map<string, Promise<void>>();
  /** Answers of refreshes being served or just served, by their request's fingerprint, oldest first. */
  readonly #answers = new Map<string, { answer: Promise<Answer | undefined>; until: number }>();
  /** The shared answers, by the hash of the refresh token they handed out. */
  readonly #byIssued = new Map<string, string>();

  constructor(private readonly clock: Clock) {}

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

  /**
   * Around the token endpoint, after the body is read (hooks.ts): shares the answer of identical
   * concurrent refreshes, and ends the request's turn once the engine has answered (every write of the
   * refresh is done by then).
   */
  readonly middleware: Middleware = async (ctx, next) => {
    const request = refreshRequest(ctx);
    const key = request?.fingerprint;
    // The refresh token of a shared answer is in use: the chain has moved on, stop handing it out.
    if (request) this.#forget(this.#byIssued.get(request.presented));
    const earlier = key === undefined ? undefined : this.#shared(key);
    if (earlier) {
      const answer = await earlier;
      if (answer) {
        ctx.status = 200;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = answer;
        return;
      }
      // The first one failed: this one gets its own answer from the engine.
    }
    let share: ((answer: Answer | undefined) => void) | undefined;
    if (key !== undefined && !earlier) {
      const answer = new Promise<Answer | undefined>((resolve) => {
        share = resolve;
      });
      this.#answers.set(key, { answer, until: Number.POSITIVE_INFINITY });
    }
    try {
      await next();
    } finally {
      (ctx.state as Record<symbol, (() => void) | undefined>)[HELD]?.();
      if (share && key !== undefined) {
        const body = ctx.body;
        const ok = ctx.status === 200 && body !== null && typeof body === 'object';
        share(ok ? (body as Answer) : undefined);
        const entry = this.#answers.get(key);
        const issued = ok ? (body as Answer).refresh_token : undefined;
        if (!entry || typeof issued !== 'string') this.#answers.delete(key);
        else {
          entry.until = this.clock.now().getTime() + SHARE_MS;
          this.#byIssued.set(tokenHash(issued), key);
        }
      }
    }
  };

  /** The answer an identical refresh got or is getting, if still within its window; forgets older ones. */
  #shared(key: string): Promise<Answer | undefined> | undefined {
    const now = this.clock.now().getTime();
    // Oldest first: stop at the first one still in its window (or still being answered).
    for (const [old, entry] of this.#answers) {
      if (entry.until >= now) break;
      this.#forget(old);
    }
    const entry = this.#answers.get(key);
    return entry && entry.until >= now ? entry.answer : undefined;
  }

  #forget(key: string | undefined): void {
    if (key === undefined) return;
    const entry = this.#answers.get(key);
    this.#answers.delete(key);
    void entry?.answer.then((answer) => {
      const issued = answer?.refresh_token;
      if (typeof issued === 'string' && this.#byIssued.get(tokenHash(issued)) === key)
        this.#byIssued.delete(tokenHash(issued));
    });
  }
}

/**
 * A refresh at the token endpoint: the token it presents (hashed), and what makes two such requests the
 * same (`fingerprint`): the body (grant, token, client id, scope) and the client's authentication header.
 * Only a request identical to the first may get its answer, so nobody gets tokens without authenticating
 * exactly as the first request did.
 */
function refreshRequest(
  ctx: Parameters<Middleware>[0],
): { presented: string; fingerprint: string } | undefined {
  if (ctx.method !== 'POST' || ctx.path !== ROUTES.token) return undefined;
  const body = (ctx.req as unknown as { body?: unknown }).body;
  if (!Buffer.isBuffer(body)) return undefined;
  const form = new URLSearchParams(body.toString('utf8'));
  const presented = form.get('refresh_token');
  if (form.get('grant_type') !== 'refresh_token' || !presented) return undefined;
  return {
    presented: tokenHash(presented),
    fingerprint: createHash('sha256')
      .update(body)
      .update('\0')
      .update(ctx.get('authorization'))
      .digest('base64url'),
  };
}
