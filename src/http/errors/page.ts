import { unmapped } from './oauth.js';

/**
 * What went wrong on a page, for a person: each kind has one status and one sentence (a key of the
 * pages' catalogs, web/messages/), rendered in the person's language by web/problem-page.ts.
 */
export type PageProblem =
  /** The form's CSRF token did not check out: it is old, or was posted from elsewhere. */
  | { kind: 'form_expired' }
  /** The browser came back from signing in without the state it left with (another browser, cookies lost). */
  | { kind: 'sign_in_state_lost' }
  /** The authorization this page belonged to is over, or its cookie is gone. */
  | { kind: 'interaction_gone' };

export type PageMessageKey = 'error.csrf' | 'interaction.expired' | 'problem.sign_in_lost';

export function pageError(problem: PageProblem): { status: number; message: PageMessageKey } {
  switch (problem.kind) {
    case 'form_expired':
      return { status: 403, message: 'error.csrf' };
    case 'sign_in_state_lost':
      return { status: 400, message: 'problem.sign_in_lost' };
    case 'interaction_gone':
      return { status: 400, message: 'interaction.expired' };
    default:
      return unmapped(problem);
  }
}
