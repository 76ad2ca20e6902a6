/*
 * Message catalogs, chosen per request from Accept-Language. Every string a page shows comes from here,
 * so adding a language is adding a catalog.
 */

import * as account from './messages/account.js';
import * as common from './messages/common.js';
import * as signIn from './messages/sign-in.js';

/*
 * Each area of the pages keeps its strings in its own file under messages/, English first; the other
 * languages are typed against it, so a missing translation does not compile.
 */
const en = { ...common.en, ...signIn.en, ...account.en };

export type MessageKey = keyof typeof en;
type Catalog = Record<MessageKey, string>;

const de: Catalog = { ...common.de, ...signIn.de, ...account.de };

const catalogs: Record<string, Catalog> = { en, de };
export const LANGUAGES = Object.keys(catalogs);

export type Translate = ((key: MessageKey, params?: Record<string, string>) => string) & { language: string };

/** Picks the best catalog for an Accept-Language header (q-values honoured), English when none fits. */
export function translator(acceptLanguage: string | undefined, override?: string): Translate {
  const language = override && catalogs[override] ? override : negotiate(acceptLanguage);
  const catalog = catalogs[language] ?? en;
  const t = ((key, params = {}) =>
    catalog[key].replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? `{${name}}`)) as Translate;
  t.language = language;
  return t;
}

export function negotiate(
  acceptLanguage: string | undefined,
  available: readonly string[] = LANGUAGES,
): string {
  const ranges = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(
        params
          .find((p) => p.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? 1,
      );
      return { tag: tag.toLowerCase(), q: Number.isFinite(q) ? q : 0 };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranges) {
    if (available.includes(tag)) return tag;
    const primary = tag.split('-')[0]!;
    if (available.includes(primary)) return primary;
  }
  return 'en';
}
