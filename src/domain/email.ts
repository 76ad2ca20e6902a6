import { err, ok, type Result } from './result.js';

/**
 * A pragmatic address check: one `@`, a non-empty local part, a dotted or bracketed domain, no spaces or
 * control characters, within RFC 5321's 254 characters. Whether it receives mail is proven by
 * verification, not by a regular expression.
 */
export function validateEmail(input: string): Result<string, string> {
  const email = input.trim();
  if (email.length === 0) return err('the email address is empty');
  if (email.length > 254) return err('the email address is longer than 254 characters');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(email))
    return err('the email address contains spaces or control characters');
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return err('the email address needs a name, an @ and a domain');
  const domain = email.slice(at + 1);
  if (!/^(\[[0-9a-fA-F:.]+\]|[^@.]+(\.[^@.]+)+)$/.test(domain))
    return err(`"${domain}" is not a valid email domain`);
  // Domains are case-insensitive; the local part is kept as given (RFC 5321 §2.4).
  return ok(`${email.slice(0, at)}@${domain.toLowerCase()}`);
}
