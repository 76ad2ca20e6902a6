import { err, ok, type Result } from './result.js';

export type PhoneProblem =
  | { kind: 'empty' }
  | { kind: 'no_country_code' }
  | { kind: 'bad_characters' }
  | { kind: 'wrong_length' };

/**
 * A phone number in E.164 (`+` and 8 to 15 digits, no leading zero), from what a person types:
 * spaces, dashes, dots, slashes and parentheses are dropped, and a leading `00` stands for `+`.
 */
export function normalisePhoneNumber(input: string): Result<string, PhoneProblem> {
  const trimmed = input.trim();
  if (trimmed === '') return err({ kind: 'empty' });
  const compact = trimmed.replace(/[\s\-.()/\u00a0]/g, '');
  const international = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  if (!/^\+?\d*$/.test(international)) return err({ kind: 'bad_characters' });
  if (!international.startsWith('+') || international.startsWith('+0'))
    return err({ kind: 'no_country_code' });
  const digits = international.slice(1);
  if (digits.length < 8 || digits.length > 15) return err({ kind: 'wrong_length' });
  return ok(`+${digits}`);
}
