import { err, ok, type Result } from './result.js';

/** Matrix user ids are at most 255 bytes, `@` and `:` included (spec appendix "User Identifiers"). */
export const MAX_USER_ID_BYTES = 255;

export type LocalpartProblem =
  | { kind: 'empty' }
  | { kind: 'invalid_characters'; characters: string[] }
  | { kind: 'too_long'; maxLength: number };

const LOCALPART_CHAR = /^[a-z0-9._=\-/+]$/;

/**
 * Checks a localpart for a new account against the spec grammar (v1.8+): lowercase letters, digits and
 * `._=-/+`, with the whole user id within 255 bytes. Historical ids with other characters are not
 * accepted for new accounts (imported users keep theirs).
 */
export function validateLocalpart(localpart: string, serverName: string): Result<string, LocalpartProblem> {
  if (localpart.length === 0) return err({ kind: 'empty' });
  const bad = [...new Set([...localpart].filter((c) => !LOCALPART_CHAR.test(c)))];
  if (bad.length > 0) return err({ kind: 'invalid_characters', characters: bad });
  const maxLength = MAX_USER_ID_BYTES - Buffer.byteLength(`@:${serverName}`);
  if (localpart.length > maxLength) return err({ kind: 'too_long', maxLength });
  return ok(localpart);
}

export function describeLocalpartProblem(problem: LocalpartProblem): string {
  switch (problem.kind) {
    case 'empty':
      return 'the username is empty';
    case 'invalid_characters':
      return `the username may only contain lowercase letters, digits and . _ = - / + (not ${problem.characters
        .map((c) => JSON.stringify(c))
        .join(', ')})`;
    case 'too_long':
      return `the username is too long (at most ${problem.maxLength} characters on this server)`;
  }
}

export function userId(localpart: string, serverName: string): string {
  return `@${localpart}:${serverName}`;
}

/**
 * Takes a localpart or a full user id of this server (`@alice:example.com`) and returns the localpart;
 * a user id of another server is refused rather than silently truncated.
 */
export function localpartFromInput(input: string, serverName: string): Result<string, 'other_server'> {
  if (!input.startsWith('@')) return ok(input);
  const colon = input.indexOf(':');
  if (colon === -1) return ok(input.slice(1));
  if (input.slice(colon + 1) !== serverName) return err('other_server');
  return ok(input.slice(1, colon));
}
