import type { RegistrationToken } from '../domain/account.js';
import type { Clock } from '../domain/clock.js';
import { type Rng, randomAlphanumeric } from '../domain/random.js';
import { err, ok, type Result } from '../domain/result.js';
import { tokenHash } from '../domain/token-hash.js';
import type { Storage } from '../storage/storage.js';

/** What a registration token may look like: Synapse's alphabet and length, so tokens carry over. */
export const REGISTRATION_TOKEN_PATTERN = /^[A-Za-z0-9._~-]{1,64}$/;

/** Length of a generated token: 24 alphanumerics, about 143 bits. */
const GENERATED_LENGTH = 24;

export type IssueProblem = { kind: 'invalid_token' } | { kind: 'taken' };

/**
 * Registration tokens (`account.registration_token_required`): an admin hands one out, someone registers
 * with it. Only the hash is stored, so the token is shown once, when issued. A token is checked when the
 * form is sent and used up in the new account's transaction (see UserService.createAccount).
 */
export class RegistrationTokenService {
  constructor(
    private readonly storage: Storage,
    private readonly deps: { clock: Clock; rng: Rng },
  ) {}

  async issue(input: {
    token?: string;
    usageLimit?: number;
    expiresInSeconds?: number;
  }): Promise<Result<{ token: string; record: RegistrationToken }, IssueProblem>> {
    const token = input.token ?? randomAlphanumeric(this.deps.rng, GENERATED_LENGTH);
    if (!REGISTRATION_TOKEN_PATTERN.test(token)) return err({ kind: 'invalid_token' });
    const created = await this.storage.registrationTokens.create({
      tokenHash: tokenHash(token),
      usageLimit: input.usageLimit ?? null,
      expiresAt:
        input.expiresInSeconds === undefined
          ? null
          : new Date(this.deps.clock.now().getTime() + input.expiresInSeconds * 1000),
    });
    if (!created.ok) return err({ kind: 'taken' });
    return ok({ token, record: created.value });
  }

  /** The hash to use the token by, when it would be accepted now; undefined otherwise. */
  async check(token: string): Promise<string | undefined> {
    if (!REGISTRATION_TOKEN_PATTERN.test(token)) return undefined;
    const hash = tokenHash(token);
    return (await this.storage.registrationTokens.isValid(hash)) ? hash : undefined;
  }

  list(): Promise<RegistrationToken[]> {
    return this.storage.registrationTokens.list();
  }

  revoke(id: string): Promise<boolean> {
    return this.storage.registrationTokens.revoke(id);
  }
}

/** A token's state for listings: `valid`, or why it no longer is. */
export function registrationTokenState(
  token: RegistrationToken,
  now: Date,
): 'valid' | 'revoked' | 'expired' | 'used_up' {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (token.usageLimit !== null && token.timesUsed >= token.usageLimit) return 'used_up';
  return 'valid';
}
