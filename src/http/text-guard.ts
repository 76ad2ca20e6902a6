import type { Context, Middleware } from 'koa';
import { RequestProblemError } from './respond.js';

/**
 * The one check every text arriving over HTTP passes before anything can store or look it up: no NUL
 * and no other C0 control character (U+0000–U+001F) except tab, line feed and carriage return.
 * PostgreSQL refuses NUL in `text` outright (the statement fails, which surfaced as a 500 with half of a
 * change written), and no name, address, identifier or token mxauth handles has a use for the others.
 * Free text that legitimately spans lines keeps \t, \n and \r.
 *
 * Applied once per body reader (web/body.ts for forms, the compat login's JSON, the engine's bodies in
 * oauth/hooks.ts) and once per request for the query string (`queryGuard`), never field by field.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/** Values nested deeper than this are refused as such: no field mxauth reads is nested so deep. */
const MAX_DEPTH = 64;

/** What `findControlCharacter` returns for a value nested deeper than MAX_DEPTH. */
const TOO_DEEP = '\u0000too deep';

/**
 * Where the first forbidden character sits in a parsed value (strings, arrays and objects, keys
 * included), as a readable path such as `identifier.user`; undefined when the value is clean.
 */
export function findControlCharacter(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return FORBIDDEN.test(value) ? path || '(value)' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findControlCharacter(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const where = path ? `${path}.${key}` : key;
    if (FORBIDDEN.test(key)) return where.replace(FORBIDDEN, '?');
    const found = findControlCharacter(item, where, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** The same check over name/value pairs (a form or a query string). */
export function findControlCharacterInPairs(pairs: Iterable<[string, string]>): string | undefined {
  for (const [key, value] of pairs) {
    if (FORBIDDEN.test(key)) return key.replace(new RegExp(FORBIDDEN, 'g'), '?');
    if (FORBIDDEN.test(value)) return key;
  }
  return undefined;
}

/** The sentence a refused text gets, naming the field (never echoing its value). */
export function controlCharacterMessage(where: string): string {
  if (where === TOO_DEEP) return `the body is nested more than ${MAX_DEPTH} levels deep`;
  // A field name can be long (it is the client's own text): name it, but not at any length.
  const named = where.length > 100 ? `${where.slice(0, 100)}…` : where;
  return `${named} contains a control character (such as NUL), which is not allowed`;
}

/**
 * Thrown where a text is refused: http/request-log.ts answers it in the caller's format (a readable
 * page, OAuth `invalid_request`, Matrix `M_INVALID_PARAM`; http/respond.ts).
 */
export function controlCharacterError(where: string): Error {
  return new RequestProblemError({ kind: 'invalid_text', message: controlCharacterMessage(where) });
}

/** Refuses a request whose query string carries a forbidden character, before any route reads it. */
export const queryGuard: Middleware = (ctx: Context, next) => {
  if (ctx.querystring) {
    const where = findControlCharacterInPairs(new URLSearchParams(ctx.querystring));
    if (where !== undefined) throw controlCharacterError(where);
  }
  return next();
};
