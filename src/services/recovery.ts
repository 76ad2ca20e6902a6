import type { RecoveryTicket } from '../domain/account.js';
import type { Clock } from '../domain/clock.js';
import { validateEmail } from '../domain/email.js';
import { type Rng, randomAlphanumeric } from '../domain/random.js';
import { err, ok, type Result } from '../domain/result.js';
import { tokenHash } from '../domain/token-hash.js';
import { type User, userStatus } from '../domain/user.js';
import type { Outbox } from '../jobs/outbox.js';
import type { Repositories } from '../storage/repositories.js';
import type { Storage } from '../storage/storage.js';
import type { Messenger } from './messages.js';
import type { PasswordProblem, UserService } from './users.js';

export interface RecoveryOptions {
  clock: Clock;
  rng: Rng;
  /** `http.public_base`: the mailed link is `<public_base>recover/<token>`. */
  publicBase: URL;
  /** How long a link works. */
  ticketTtlMs?: number;
  /** Links sent for one account per hour; more requests are quietly dropped. */
  maxTicketsPerHour?: number;
}

/** Length of a recovery token: 40 alphanumerics, about 238 bits. */
const TOKEN_LENGTH = 40;
const TOKEN_PATTERN = /^[A-Za-z0-9]{40}$/;

export type ResetProblem = { kind: 'expired' } | PasswordProblem;

/** How long a recovery link stays valid; the pages say so. */
export const RECOVERY_LINK_MINUTES = 60;

/**
 * Password recovery by email: a single-use link, valid for an hour, sent to a verified address. Asking
 * gives the same outcome whether the address belongs to an account or not; only its owner learns more,
 * by mail.
 */
export class RecoveryService {
  readonly #ttlMs: number;
  readonly #maxPerHour: number;

  constructor(
    private readonly storage: Storage,
    private readonly users: UserService,
    private readonly messenger: Messenger,
    private readonly outbox: Outbox,
    private readonly options: RecoveryOptions,
  ) {
    this.#ttlMs = options.ticketTtlMs ?? 3_600_000;
    this.#maxPerHour = options.maxTicketsPerHour ?? 3;
  }

  /**
   * Mails a recovery link when `address` is a verified address of an active account that has not had
   * too many links lately. Returns nothing either way, so no caller can tell which happened.
   */
  async request(address: string, language: string): Promise<void> {
    const valid = validateEmail(address);
    if (!valid.ok) return;
    const email = await this.storage.emails.findByAddress(valid.value);
    if (!email?.confirmedAt) return;
    const user = await this.storage.users.findById(email.userId);
    if (!user || userStatus(user) !== 'active') return;
    const now = this.options.clock.now();
    if (
      (await this.storage.recoveryTickets.countForUser(user.id, new Date(now.getTime() - 3_600_000))) >=
      this.#maxPerHour
    )
      return;
    const token = randomAlphanumeric(this.options.rng, TOKEN_LENGTH);
    await this.storage.transaction(async (tx) => {
      await tx.recoveryTickets.create({
        userId: user.id,
        email: email.email,
        tokenHash: tokenHash(token),
        expiresAt: new Date(now.getTime() + this.#ttlMs),
      });
      await this.messenger.email(tx, {
        to: email.email,
        language,
        message: {
          kind: 'recovery_link',
          localpart: user.localpart,
          url: new URL(`recover/${token}`, this.options.publicBase).href,
          expiresInMinutes: Math.round(this.#ttlMs / 60_000),
        },
      });
    });
    this.messenger.wake();
  }

  /** The live ticket of a link and its account, or undefined when the link is unknown, used or expired. */
  async find(token: string): Promise<{ ticket: RecoveryTicket; user: User } | undefined> {
    if (!TOKEN_PATTERN.test(token)) return undefined;
    const ticket = await this.storage.recoveryTickets.findLive(tokenHash(token));
    const user = ticket && (await this.storage.users.findById(ticket.userId));
    if (!ticket || !user || userStatus(user) !== 'active') return undefined;
    return { ticket, user };
  }

  /** The account's addresses, which a new password must not be made of. */
  async addressesOf(userId: string): Promise<string[]> {
    return (await this.storage.emails.listForUser(userId)).map((e) => e.email);
  }

  /**
   * Sets a new password through a link, using the link up. With `endSessions`, every device and browser
   * signed in to the account is signed out in the same transaction. The account's primary address is
   * told that the password changed.
   */
  async reset(
    token: string,
    password: string,
    options: { endSessions: boolean; language: string },
  ): Promise<Result<User, ResetProblem>> {
    const found = await this.find(token);
    if (!found) return err({ kind: 'expired' });
    const { ticket, user } = found;
    const hashed = await this.users.hashNewPassword(user, password);
    if (!hashed.ok) return hashed;
    const done = await this.storage.transaction(async (tx) => {
      // Whoever uses the link first wins; a concurrent second use changes nothing.
      if (!(await tx.recoveryTickets.consume(ticket.id))) return false;
      // The other links sent meanwhile would reset the new password: they die with this one.
      await tx.recoveryTickets.consumeAllForUser(user.id);
      await tx.passwords.add({
        userId: user.id,
        hashedPassword: hashed.value.hash,
        version: hashed.value.version,
      });
      if (options.endSessions) await this.#endSessions(tx, user.id);
      const primary = (await tx.emails.listForUser(user.id)).find((e) => e.primary && e.confirmedAt);
      await this.messenger.email(tx, {
        to: primary?.email ?? ticket.email,
        language: options.language,
        message: { kind: 'password_changed', localpart: user.localpart },
      });
      return true;
    });
    if (!done) return err({ kind: 'expired' });
    this.messenger.wake();
    this.outbox.wake();
    return ok(user);
  }

  /**
   * Ends every OAuth and compat session (their devices are deleted on the homeserver) and every browser
   * signed in to mxauth: someone who knew the old password may be holding any of them.
   */
  async #endSessions(tx: Repositories, userId: string): Promise<void> {
    for (const session of await tx.compatSessions.listForUser(userId, { active: true })) {
      if (await tx.compatSessions.finish(session.id))
        await this.outbox.releaseDevice(tx, userId, session.deviceId);
    }
    for (const session of await tx.oauthSessions.listForUser(userId, { active: true })) {
      await tx.oauthRecords.revokeByGrantId(session.grantId);
      await tx.oauthSessions.finish(session.id);
      if (session.deviceId) await this.outbox.releaseDevice(tx, userId, session.deviceId);
    }
    // The engine's browser sessions and any grant without a device session.
    await tx.oauthRecords.revokeByAccountId(userId);
    for (const session of await tx.browserSessions.listForUser(userId, { active: true }))
      await tx.browserSessions.finish(session.id);
  }
}
