import type { CaptchaProblem } from '../services/captcha.js';
import type { RegisterProblem } from '../services/users.js';
import type { Translate } from './i18n.js';

/**
 * Why a registration was refused, in the page's language. A weak password is described by the caller
 * (see password-advice.ts), which knows the password; here it falls back to the policy's own words.
 */
export function registerProblemMessage(t: Translate, problem: RegisterProblem): string {
  switch (problem.kind) {
    case 'invalid_localpart':
      switch (problem.problem.kind) {
        case 'empty':
          return t('register.username_empty');
        case 'invalid_characters':
          return t('register.username_invalid', {
            characters: problem.problem.characters.map((c) => `“${c}”`).join(' '),
          });
        case 'too_long':
          return t('register.username_too_long', { max: String(problem.problem.maxLength) });
      }
      break;
    case 'localpart_taken':
      return t('register.username_taken');
    case 'localpart_unavailable':
      return t('register.username_reserved');
    case 'homeserver_unavailable':
      return t('register.homeserver_unavailable');
    case 'invalid_email':
      return t('register.email_invalid');
    case 'email_taken':
      return t('register.email_taken');
    case 'invalid_display_name':
      return t('register.display_name_invalid');
    case 'registration_token_invalid':
      return t('register.token_invalid');
    case 'passwords_disabled':
      return t('register.passwords_disabled');
    case 'upstream_identity_used':
      return t('upstream.identity_used');
    case 'weak_password':
      return problem.reason;
  }
  return t('error.title');
}

/** The form field a registration problem is about. */
export function registerProblemField(
  problem: RegisterProblem,
): 'username' | 'email' | 'display_name' | 'password' | 'registration_token' | 'form' {
  switch (problem.kind) {
    case 'invalid_localpart':
    case 'localpart_taken':
    case 'localpart_unavailable':
      return 'username';
    case 'invalid_email':
    case 'email_taken':
      return 'email';
    case 'invalid_display_name':
      return 'display_name';
    case 'weak_password':
      return 'password';
    case 'registration_token_invalid':
      return 'registration_token';
    default:
      return 'form';
  }
}

export function captchaProblemMessage(t: Translate, problem: CaptchaProblem): string {
  switch (problem.kind) {
    case 'missing':
      return t('captcha.missing');
    case 'failed':
      return t('captcha.failed');
    case 'unavailable':
      return t('captcha.unavailable');
  }
}
