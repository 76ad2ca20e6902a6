import type { UserEmail } from '../domain/user.js';
import type { Repositories } from '../storage/repositories.js';

/** The address mail goes to: the primary one when verified, else the oldest verified one. */
export function primaryVerifiedEmail(emails: UserEmail[]): UserEmail | undefined {
  return emails.find((e) => e.primary && e.confirmedAt) ?? emails.find((e) => e.confirmedAt);
}

/**
 * The OpenID contact claims for a user and the scopes granted: `email`/`email_verified` from the
 * primary verified address, `phone_number`/`phone_number_verified` from the oldest verified number.
 * Unverified ones are never claimed, so `*_verified` is always true when present.
 */
export async function contactClaims(
  storage: Pick<Repositories, 'emails' | 'phones'>,
  userId: string,
  scopes: ReadonlySet<string>,
): Promise<Record<string, unknown>> {
  const claims: Record<string, unknown> = {};
  if (scopes.has('email')) {
    const email = primaryVerifiedEmail(await storage.emails.listForUser(userId));
    if (email) Object.assign(claims, { email: email.email, email_verified: true });
  }
  if (scopes.has('phone')) {
    const phone = (await storage.phones.listForUser(userId)).find((p) => p.confirmedAt);
    if (phone) Object.assign(claims, { phone_number: phone.phone, phone_number_verified: true });
  }
  return claims;
}
