import { MAX_DISPLAY_NAME_LENGTH } from '../../../domain/display-name.js';
import { describeLocalpartProblem } from '../../../domain/matrix-id.js';
import type { PasswordProblem, RegisterProblem } from '../../../services/users.js';

/** The CLI's sentence for each reason a registration is refused (the pages have their own, translated). */
export function describeRegisterProblem(problem: RegisterProblem): string {
  switch (problem.kind) {
    case 'invalid_localpart':
      return describeLocalpartProblem(problem.problem);
    case 'localpart_taken':
      return 'this username is already taken';
    case 'invalid_email':
      return problem.reason;
    case 'email_taken':
      return 'this email address is already used by another account';
    case 'invalid_display_name':
      return `the display name is longer than ${MAX_DISPLAY_NAME_LENGTH} characters or contains control characters`;
    case 'registration_token_invalid':
      return 'the registration token is no longer valid (used up, revoked or expired)';
    case 'localpart_unavailable':
      return `this username cannot be registered: ${problem.reason}`;
    case 'homeserver_unavailable':
      return `the homeserver cannot be asked whether this username is free right now (${problem.reason}); try again later`;
    case 'passwords_disabled':
      return 'passwords are disabled on this server (passwords.enabled is false)';
    case 'weak_password':
      return problem.reason;
    case 'upstream_identity_used':
      return 'the upstream identity was linked to another account meanwhile';
  }
}

export function describePasswordProblem(problem: PasswordProblem): string {
  return problem.kind === 'weak_password'
    ? problem.reason
    : 'passwords are disabled (passwords.enabled is false)';
}
