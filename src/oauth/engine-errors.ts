import { errors } from 'oidc-provider';

/**
 * The engine's failures that are the browser's doing, not mxauth's: the one place that knows how the
 * engine signals them, so an engine upgrade that changes a name or a message fails
 * test/oauth/engine-errors.test.ts instead of silently turning them into 500s.
 */
export type EngineFailure =
  /** The interaction cookie is missing or the interaction expired or ended (a back button, a second tab). */
  | 'interaction_gone'
  /**
   * A form posted without the browser session it came from: the engine cannot save the session it
   * made for the request, and says so only with a TypeError.
   */
  | 'session_lost';

export function classifyEngineError(e: unknown): EngineFailure | undefined {
  // SessionNotFound extends InvalidRequest; the engine throws InvalidRequest itself for a missing cookie.
  if (e instanceof errors.InvalidRequest) return 'interaction_gone';
  if (e instanceof TypeError && SESSION_NOT_PERSISTED.test(e.message)) return 'session_lost';
  return undefined;
}

/** The engine's message (lib/models/session.js), its only sign of a lost session. */
export const SESSION_NOT_PERSISTED = /previously persisted Sessions/;
