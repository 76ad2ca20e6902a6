/** What a verification code proves: an address at registration, or an address or number added later. */
export type VerificationPurpose = 'registration_email' | 'add_email' | 'add_phone';

/** A code sent to an address or number; only its hash is kept. */
export interface VerificationCode {
  id: string;
  purpose: VerificationPurpose;
  userId: string | null;
  /** What else the code is bound to (a registration's interaction uid). */
  context: string | null;
  target: string;
  codeHash: string;
  attempts: number;
  createdAt: Date;
  expiresAt: Date;
  consumedAt: Date | null;
}

/** A password recovery link sent to one of a user's addresses; only the token's hash is kept. */
export interface RecoveryTicket {
  id: string;
  userId: string;
  email: string;
  createdAt: Date;
  expiresAt: Date;
  consumedAt: Date | null;
}

/** A token an admin hands out so someone may register (`account.registration_token_required`). */
export interface RegistrationToken {
  id: string;
  /** No limit when null. */
  usageLimit: number | null;
  timesUsed: number;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A browser signed in to mxauth itself (the engine's session), as the account page lists it. */
export interface BrowserSession {
  id: string;
  userId: string;
  createdAt: Date;
  lastActiveAt: Date | null;
  lastActiveIp: string | null;
  userAgent: string | null;
  finishedAt: Date | null;
}
