import type { Context } from 'koa';
import { controlCharacterError, findControlCharacterInPairs } from '../http/text-guard.js';

const LIMIT = 64 * 1024;

/** Reads an `application/x-www-form-urlencoded` body (the only kind the pages post), at most 64 KiB. */
export async function readForm(ctx: Context): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) return {};
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > LIMIT) ctx.throw(413, 'The form is too large.');
    chunks.push(chunk as Buffer);
  }
  const pairs = [...new URLSearchParams(Buffer.concat(chunks).toString('utf8'))];
  // Every field of every page passes here: a NUL or control character is refused before any is read.
  const bad = findControlCharacterInPairs(pairs);
  if (bad !== undefined) throw controlCharacterError(bad);
  const form: Record<string, string> = {};
  for (const [key, value] of pairs) form[key] ??= value;
  return form;
}
