import { err, ok, type Result } from './result.js';

/** Longest display name accepted: Synapse's limit, counted in characters (code points). */
export const MAX_DISPLAY_NAME_LENGTH = 256;

export type DisplayNameProblem = 'empty' | 'too_long' | 'control_characters';

/**
 * A display name as typed, trimmed: what the homeserver accepts, less control characters (they break
 * the clients' layouts and hide text). The one rule for registration, the CLI and the account pages.
 */
export function validateDisplayName(input: string): Result<string, DisplayNameProblem> {
  const name = input.trim();
  if (name === '') return err('empty');
  if ([...name].length > MAX_DISPLAY_NAME_LENGTH) return err('too_long');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return err('control_characters');
  return ok(name);
}
