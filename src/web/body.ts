import type { Context } from 'koa';

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
  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) form[key] ??= value;
  return form;
}
