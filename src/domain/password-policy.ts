import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { err, ok, type Result } from './result.js';

export type PasswordComplexityProblem = {
  score: number;
  minimum: number;
  /** One or two sentences a person can act on, e.g. "This is a commonly used password. Add more words…". */
  reason: string;
};

/** Longest password accepted: argon2 has no limit, but unbounded input is a cheap denial of service. */
export const MAX_PASSWORD_LENGTH = 1024;

let factory: ZxcvbnFactory | undefined;

// Building the dictionaries takes ~100 ms, so it happens once, on first use.
function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    translations: en.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
  });
  return factory;
}

/**
 * Enforces the configured minimum zxcvbn score (0–4). `userInputs` (localpart, email, display name) count
 * as guessable words, so "alice2024" is weak for @alice.
 */
export function checkPasswordComplexity(
  password: string,
  minimum: number,
  userInputs: string[] = [],
): Result<void, PasswordComplexityProblem> {
  if (password.length === 0) return err({ score: 0, minimum, reason: 'The password is empty.' });
  if (password.length > MAX_PASSWORD_LENGTH)
    return err({
      score: 0,
      minimum,
      reason: `The password is longer than ${MAX_PASSWORD_LENGTH} characters.`,
    });
  if (minimum <= 0) return ok(undefined);
  const result = estimator().check(password, userInputs.filter(Boolean));
  if (result.score >= minimum) return ok(undefined);
  const parts = [result.feedback.warning, ...result.feedback.suggestions].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  const reason = parts.length > 0 ? parts.join(' ') : 'Use a longer password with more unusual words.';
  return err({
    score: result.score,
    minimum,
    reason: `The password is too weak (${result.score}/4, at least ${minimum} needed). ${reason}`,
  });
}

/** Who the person is, by every name they go by here: what a password of theirs must not be built from. */
export interface AccountDetails {
  localpart: string;
  displayName?: string | null;
  emails?: readonly string[];
}

/** The one rule for which details count as guessable words in a password: the localpart, name and addresses. */
export function guessableInputs(details: AccountDetails): string[] {
  return [details.localpart, details.displayName ?? '', ...(details.emails ?? [])];
}

export interface PasswordPolicy {
  enabled: boolean;
  /** zxcvbn score (0–4) a new password needs. */
  minimumComplexity: number;
}

export type PasswordProblem = { kind: 'passwords_disabled' } | { kind: 'weak_password'; reason: string };

/**
 * Why a new password of this account is refused, if it is: passwords are off, or it is too guessable.
 * `ignoreComplexity` is the admin's override (the CLI's --ignore-password-complexity): length still counts.
 */
export function newPasswordProblem(
  policy: PasswordPolicy,
  password: string,
  details: AccountDetails,
  options: { ignoreComplexity?: boolean } = {},
): PasswordProblem | undefined {
  if (!policy.enabled) return { kind: 'passwords_disabled' };
  const minimum = options.ignoreComplexity ? 0 : policy.minimumComplexity;
  const complexity = checkPasswordComplexity(password, minimum, guessableInputs(details));
  return complexity.ok ? undefined : { kind: 'weak_password', reason: complexity.error.reason };
}
