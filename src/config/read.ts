import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { err, ok, type Result } from '../domain/result.js';

/** Why a file could not be read, in an operator's words. */
export function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (e as Error).message;
}

export type YamlProblem = { kind: 'unreadable'; reason: string } | { kind: 'invalid'; messages: string[] };

/** Reads a YAML file into plain data; duplicate keys are errors, each syntax error one line naming its place. */
export function readYaml(file: string): Result<unknown, YamlProblem> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return err({ kind: 'unreadable', reason: ioReason(e) });
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0)
    return err({
      kind: 'invalid',
      messages: doc.errors.map(
        (e) =>
          `${file}:${e.linePos?.[0].line ?? '?'}:${e.linePos?.[0].col ?? '?'}: invalid YAML: ${e.message.split('\n')[0]}`,
      ),
    });
  return ok(doc.toJS() ?? {});
}
