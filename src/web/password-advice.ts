import { checkPasswordComplexity, MAX_PASSWORD_LENGTH } from '../domain/password-policy.js';
import type { Translate } from './i18n.js';

/** What the strength meter shows, and what a refused password is told, in the page's language. */
export interface PasswordAdvice {
  /** zxcvbn's score, 0 (guessable) to 4 (very hard to guess). */
  score: number;
  /** Whether the score meets `passwords.minimum_complexity`. */
  acceptable: boolean;
  message: string;
}

/**
 * Rates a password as the policy will when it is submitted (the user's name and addresses count as
 * guessable words). zxcvbn's own advice is English: other languages get the verdict and a general hint.
 */
export function passwordAdvice(
  t: Translate,
  password: string,
  minimum: number,
  userInputs: string[],
): PasswordAdvice {
  if (password.length === 0) return { score: 0, acceptable: false, message: t('password.empty') };
  if (password.length > MAX_PASSWORD_LENGTH)
    return {
      score: 0,
      acceptable: false,
      message: t('password.too_long', { max: String(MAX_PASSWORD_LENGTH) }),
    };
  const rated = checkPasswordComplexity(password, 4, userInputs);
  const score = rated.ok ? 4 : rated.error.score;
  if (score >= minimum) return { score, acceptable: true, message: t('password.strong_enough') };
  if (t.language === 'en') {
    const policy = checkPasswordComplexity(password, minimum, userInputs);
    if (!policy.ok) return { score, acceptable: false, message: policy.error.reason };
  }
  return {
    score,
    acceptable: false,
    message: `${t('password.too_weak', { score: String(score), minimum: String(minimum) })} ${t('password.weak_hint')}`,
  };
}
