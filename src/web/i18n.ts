/*
 * Message catalogs, chosen per request from the language switch's cookie or Accept-Language. Every string
 * a page shows comes from here, so adding a language is adding a catalog (in code, or as JSON in the
 * override directory).
 */

import * as account from './messages/account.js';
import * as common from './messages/common.js';
import * as errors from './messages/errors.js';
import * as mail from './messages/mail.js';
import * as signIn from './messages/sign-in.js';
import * as upstream from './messages/upstream.js';

/*
 * Each area of the pages keeps its strings in its own file under messages/, English first; the other
 * languages are typed against it, so a missing translation does not compile.
 */
const en = { ...common.en, ...errors.en, ...signIn.en, ...account.en, ...mail.en, ...upstream.en };

export type MessageKey = keyof typeof en;
type Catalog = Record<MessageKey, string>;

const de: Catalog = { ...common.de, ...errors.de, ...signIn.de, ...account.de, ...mail.de, ...upstream.de };

const BUILT_IN: Readonly<Record<string, Catalog>> = { en, de };
export const LANGUAGES = Object.keys(BUILT_IN);

export type Translate = ((key: MessageKey, params?: Record<string, string>) => string) & { language: string };

/** Strings an admin adds or replaces, per language (the override directory's messages/<lang>.json). */
export type CatalogOverrides = Readonly<Record<string, Readonly<Partial<Record<MessageKey, string>>>>>;

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** The built-in English text of a key; undefined when there is no such key. */
export function englishText(key: string): string | undefined {
  return isMessageKey(key) ? en[key] : undefined;
}

/**
 * The catalogs one mxauth serves: the built-in ones with an admin's overrides on top, and any language
 * the admin added. An added language falls back to English (with the admin's English overrides) key by
 * key, so a partial translation is usable.
 */
export class Catalogs {
  readonly languages: readonly string[];
  // A Map, not an object: a language named by a cookie must never find `__proto__` or `constructor`.
  readonly #catalogs: ReadonlyMap<string, Catalog>;

  constructor(overrides: CatalogOverrides = {}) {
    const english: Catalog = { ...en, ...overrides.en };
    const catalogs: Record<string, Catalog> = { en: english };
    for (const language of new Set([...Object.keys(BUILT_IN), ...Object.keys(overrides)])) {
      if (language === 'en') continue;
      const added = overrides[language] ?? {};
      // Falling back to "English" as the name of an added language would mislabel it in the switch.
      const name = added['language.name'] ?? BUILT_IN[language]?.['language.name'] ?? nativeName(language);
      catalogs[language] = { ...english, ...BUILT_IN[language], ...added, 'language.name': name };
    }
    this.#catalogs = new Map(Object.entries(catalogs));
    this.languages = [...this.#catalogs.keys()];
  }

  /** Picks `preferred` when it is served, else the best match for Accept-Language (q-values honoured), else English. */
  translator(acceptLanguage: string | undefined, preferred?: string): Translate {
    const language =
      preferred && this.#catalogs.has(preferred) ? preferred : negotiate(acceptLanguage, this.languages);
    const catalog = this.#catalogs.get(language) ?? this.#catalogs.get('en')!;
    const t = ((key, params = {}) =>
      catalog[key].replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? `{${name}}`)) as Translate;
    t.language = language;
    return t;
  }

  /** Each language's name in itself, for the language switch. */
  names(): { language: string; name: string }[] {
    return this.languages.map((language) => ({
      language,
      name: this.#catalogs.get(language)!['language.name'],
    }));
  }
}

const builtIn = new Catalogs();

/** The built-in catalogs without overrides: for text made outside a request's page chrome. */
export function translator(acceptLanguage: string | undefined, override?: string): Translate {
  return builtIn.translator(acceptLanguage, override);
}

function nativeName(language: string): string {
  try {
    const name = new Intl.DisplayNames([language], { type: 'language' }).of(language) ?? language;
    return name.charAt(0).toLocaleUpperCase(language) + name.slice(1);
  } catch {
    return language;
  }
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
