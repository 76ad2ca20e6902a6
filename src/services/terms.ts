import type { Storage } from '../storage/storage.js';

/**
 * The terms of service (`branding.tos_uri`). Acceptance is recorded per URL with its time, so publishing
 * terms under a new URL makes everyone accept again at their next sign-in.
 */
export class TermsService {
  constructor(
    private readonly storage: Storage,
    /** The current terms; none when undefined. */
    readonly uri: string | undefined,
  ) {}

  /** Whether the user has to accept the current terms before signing in. */
  async mustAccept(userId: string): Promise<boolean> {
    if (!this.uri) return false;
    return !(await this.storage.terms.hasAccepted(userId, this.uri));
  }

  async accept(userId: string): Promise<void> {
    if (this.uri) await this.storage.terms.accept(userId, this.uri);
  }
}
