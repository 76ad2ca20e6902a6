/** An identity at an upstream provider (its subject there) that signs in one account here. */
export interface UpstreamLink {
  id: string;
  providerId: string;
  subject: string;
  userId: string;
  /** How the account page names the identity (the provider's `account_name` template). */
  accountName: string | null;
  createdAt: Date;
  lastSignInAt: Date | null;
}

/** What a sign-in at a provider is for: an authorization's interaction, or adding an identity to an account. */
export type UpstreamPurpose = 'sign_in' | 'link';

/** One trip to a provider and back, kept from the redirect until the account it ends in is known. */
export interface UpstreamAuthorization {
  id: string;
  providerId: string;
  purpose: UpstreamPurpose;
  /** The interaction it signs in (sign_in). */
  interactionUid: string | null;
  /** The account adding the identity (link), or the account signed in (sign_in, once consumed). */
  userId: string | null;
  browserHash: string;
  /** The nonce and PKCE verifier, sealed. */
  secretsSealed: string;
  createdAt: Date;
  expiresAt: Date;
  completedAt: Date | null;
  consumedAt: Date | null;
  subject: string | null;
  /** The claims the callback received, as JSON (see upstream/claims.ts). */
  claims: string | null;
  upstreamSid: string | null;
  idTokenSealed: string | null;
  browserSessionId: string | null;
}
