import type { Context } from 'koa';
import { BODY_LIMITS, readBody } from '../http/read-body.js';
import { RequestProblemError } from '../http/respond.js';
import { controlCharacterError, findControlCharacterInPairs } from '../http/text-guard.js';

/** Reads an `application/x-www-form-urlencoded` body (the only kind the pages post), at most 64 KiB. */
export async function readForm(ctx: Context): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) return {};
  const body = await readBody(ctx.req, ctx.res, BODY_LIMITS.pageForm);
  if (body === undefined)
    throw new RequestProblemError({ kind: 'too_large', message: 'The form is too large.' });
  const pairs = [...new URLSearchParams(body.toString('utf8'))];
  // Every field of every page passes here: a NUL or control character is refused before any is read.
  const bad = findControlCharacterInPairs(pairs);
  if (bad !== undefined) throw controlCharacterError(bad);
  const form: Record<string, string> = {};
  for (const [key, value] of pairs) form[key] ??= value;
  return form;
}
