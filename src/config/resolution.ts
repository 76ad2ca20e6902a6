import { readFileSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { ConfigProblem } from './problems.js';
import { ioReason } from './read.js';

/** Reports a problem at a key path; curried so a step can hand one path's reporter on. */
export type ReportAt = (path: string) => (message: string) => void;

/**
 * What the steps of resolving a validated file share: the problems found so far (all of them are
 * reported, not just the first), paths relative to the file's directory, and reading secrets.
 */
export class Resolution {
  readonly problems: ConfigProblem[] = [];
  constructor(readonly baseDir: string) {}

  readonly at: ReportAt = (path) => (message) => {
    this.problems.push({ path, message });
  };

  readonly path = (p: string): string => (isAbsolute(p) ? p : resolvePath(this.baseDir, p));

  /**
   * Reads `key` or `key_file`: exactly one of them when `required`. A file loses its trailing whitespace, as
   * Synapse strips the files it reads: `openssl rand -hex 32 > file` and editors end a file with a newline,
   * and a shared secret that kept it would not match the homeserver's copy (every introspection a 401).
   * Only a pepper is read `raw`: it is hashed into every password, so the bytes must stay those the hashes
   * were made with (MAS reads its pepper file as bytes too).
   */
  secret(
    section: Record<string, unknown>,
    key: string,
    where: string,
    required: boolean,
    raw = false,
  ): string | undefined {
    const inline = section[key] as string | undefined;
    const fromFile = section[`${key}_file`] as string | undefined;
    if (inline !== undefined && fromFile !== undefined) {
      this.at(`${where}.${key}`)(`set either ${key} or ${key}_file, not both`);
      return undefined;
    }
    if (fromFile !== undefined) return this.#secretFile(this.path(fromFile), `${where}.${key}_file`, raw);
    if (inline === undefined && required) this.at(`${where}.${key}`)(`is required (or ${key}_file)`);
    return inline;
  }

  #secretFile(file: string, where: string, raw: boolean): string | undefined {
    try {
      const text = readFileSync(file, 'utf8');
      if (raw) return text;
      const trimmed = text.trimEnd();
      if (trimmed === '') this.at(where)(`${file} is empty`);
      return trimmed;
    } catch (e) {
      this.at(where)(`cannot read ${file}: ${ioReason(e)}`);
      return undefined;
    }
  }
}
