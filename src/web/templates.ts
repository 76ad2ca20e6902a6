import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { BRAND_FILE_NAME, BRAND_IMAGE_TYPES } from '../config/branding.js';
import type { ConfigProblem } from '../config/problems.js';
import { err, ok, type Result } from '../domain/result.js';

/*
 * The override directory (`templates.path`): an admin's own frame (layout.html), stylesheet
 * (custom.css), strings and languages (messages/<lang>.json) and images. Read once when mxauth starts,
 * and checked then, so a typo stops the start with a sentence naming the file instead of showing up
 * on a page in front of users.
 */

/** What layout.html may contain between `{{` and `}}`. The values are ready-made, escaped HTML. */
export const LAYOUT_PLACEHOLDERS = [
  'lang',
  'dir',
  'title',
  'head',
  'header',
  'brand',
  'language_switch',
  'content',
  'footer',
  'service_name',
  'assets',
] as const;

export type LayoutPlaceholder = (typeof LAYOUT_PLACEHOLDERS)[number];

/** Without these a page has no stylesheet or script, no title, or nothing to show. */
const REQUIRED_PLACEHOLDERS: readonly LayoutPlaceholder[] = ['head', 'title', 'content'];

/** A layout split at its placeholders: literal text and the names to fill in, in order. */
export type LayoutTemplate = readonly (string | { placeholder: LayoutPlaceholder })[];

export interface BrandImage {
  body: Buffer;
  type: string;
}

export interface Overrides {
  layout?: LayoutTemplate;
  customCss?: string;
  /** Strings per language (lower-case tag), as the admin wrote them; keys already checked. */
  messages: Record<string, Record<string, string>>;
  /** Image files at the top of the directory, by file name: the logo and anything layout.html shows. */
  images: Map<string, BrandImage>;
}

export const NO_OVERRIDES: Overrides = { messages: {}, images: new Map() };

/** Images are held in memory; a logo is a few kilobytes, so anything this large is a mistake. */
const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

/** Language tags a catalog file may be named after (`fr`, `pt-br`, `zh-hant`). */
const LANGUAGE_FILE = /^([a-z]{2,3}(?:-[a-z0-9]{2,8})*)\.json$/i;

export interface CatalogKeys {
  /** The English text of a key, or undefined when there is no such key. */
  english(key: string): string | undefined;
}

/**
 * Reads and checks the override directory. `keys` tells which message keys exist, so a misspelt key is
 * reported rather than silently ignored. Problems are reported at `templates.path`, naming the file.
 */
export function loadOverrides(
  dir: string | undefined,
  keys: CatalogKeys,
): Result<Overrides, ConfigProblem[]> {
  if (dir === undefined) return ok(NO_OVERRIDES);
  const problems: ConfigProblem[] = [];
  const problem = (file: string, message: string) =>
    problems.push({ path: 'templates.path', message: `${join(dir, file)}: ${message}` });

  let entries: string[];
  try {
    if (!statSync(dir).isDirectory())
      return err([{ path: 'templates.path', message: `${dir} is not a directory` }]);
    entries = readdirSync(dir);
  } catch (e) {
    return err([{ path: 'templates.path', message: `cannot read ${dir}: ${ioReason(e)}` }]);
  }

  const overrides: Overrides = { messages: {}, images: new Map() };
  const read = (file: string): string | undefined => {
    try {
      return readFileSync(join(dir, file), 'utf8');
    } catch (e) {
      problem(file, `cannot read it: ${ioReason(e)}`);
      return undefined;
    }
  };

  if (entries.includes('layout.html')) {
    const text = read('layout.html');
    if (text !== undefined) {
      const parsed = parseLayout(text);
      if (parsed.ok) overrides.layout = parsed.value;
      else for (const message of parsed.error) problem('layout.html', message);
    }
  }
  if (entries.includes('custom.css')) overrides.customCss = read('custom.css');

  for (const entry of entries) {
    const type = BRAND_IMAGE_TYPES[extname(entry).toLowerCase()];
    if (!type || !BRAND_FILE_NAME.test(entry)) continue;
    const file = join(dir, entry);
    try {
      const stat = statSync(file);
      if (!stat.isFile()) continue;
      if (stat.size > MAX_IMAGE_BYTES) {
        problem(entry, `is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MiB; images are served from memory`);
        continue;
      }
      overrides.images.set(entry, { body: readFileSync(file), type });
    } catch (e) {
      problem(entry, `cannot read it: ${ioReason(e)}`);
    }
  }

  if (entries.includes('messages')) {
    let files: string[] = [];
    try {
      files = readdirSync(join(dir, 'messages'));
    } catch (e) {
      problem('messages', `cannot read the directory: ${ioReason(e)}`);
    }
    for (const name of files.filter((f) => f.toLowerCase().endsWith('.json')).sort()) {
      const file = join('messages', name);
      const language = LANGUAGE_FILE.exec(name)?.[1]?.toLowerCase();
      if (!language) {
        problem(file, 'name a catalog after its language tag, e.g. messages/fr.json or messages/pt-br.json');
        continue;
      }
      const text = read(file);
      if (text === undefined) continue;
      const catalog = parseCatalog(text, keys);
      if (!catalog.ok) for (const message of catalog.error) problem(file, message);
      else if (overrides.messages[language])
        problem(file, `a second catalog for "${language}" (tags are not case-sensitive)`);
      else overrides.messages[language] = catalog.value;
    }
  }

  return problems.length > 0 ? err(problems) : ok(overrides);
}

/** Splits layout.html at its `{{placeholder}}`s; unknown or missing placeholders are problems. */
export function parseLayout(text: string): Result<LayoutTemplate, string[]> {
  const problems: string[] = [];
  const parts: (string | { placeholder: LayoutPlaceholder })[] = [];
  const seen = new Set<string>();
  let last = 0;
  for (const match of text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)) {
    const name = match[1]!;
    if (!(LAYOUT_PLACEHOLDERS as readonly string[]).includes(name)) {
      problems.push(
        `line ${lineOf(text, match.index)}: unknown placeholder {{${name}}}; known: ${LAYOUT_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
      );
      continue;
    }
    parts.push(text.slice(last, match.index), { placeholder: name as LayoutPlaceholder });
    last = match.index + match[0].length;
    seen.add(name);
  }
  parts.push(text.slice(last));
  for (const name of REQUIRED_PLACEHOLDERS)
    if (!seen.has(name))
      problems.push(
        `{{${name}}} is missing; a layout needs ${REQUIRED_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
      );
  return problems.length > 0 ? err(problems) : ok(parts.filter((p) => p !== ''));
}

/**
 * A catalog file: one JSON object of message keys to strings. A string may use the `{name}` parameters
 * of the English text and no others (an unknown one would be shown as it is).
 */
function parseCatalog(text: string, keys: CatalogKeys): Result<Record<string, string>, string[]> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return err([`invalid JSON: ${(e as Error).message}`]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    return err(['must be a JSON object of message keys to strings, e.g. {"login.title": "Connexion"}']);
  const problems: string[] = [];
  const catalog: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    const english = keys.english(key);
    if (english === undefined) {
      problems.push(`unknown message key "${key}"`);
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`"${key}" must be a non-empty string`);
      continue;
    }
    const allowed = new Set(parameters(english));
    const unknown = parameters(value).filter((p) => !allowed.has(p));
    if (unknown.length > 0) {
      problems.push(
        `"${key}" uses ${unknown.map((p) => `{${p}}`).join(', ')}, which this message does not have${allowed.size > 0 ? ` (it has ${[...allowed].map((p) => `{${p}}`).join(', ')})` : ''}`,
      );
      continue;
    }
    catalog[key] = value;
  }
  return problems.length > 0 ? err(problems) : ok(catalog);
}

function parameters(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  return (e as Error).message;
}
