import { err, ok, type Result } from '../../domain/result.js';
import { type User, type UserEmail, userStatus } from '../../domain/user.js';
import type { Repositories } from '../../storage/repositories.js';
import type { UserDeps } from './deps.js';

type UnknownUser = { kind: 'unknown_user' };

/** An admin's view of accounts and their state: listing, locking, deactivating and reactivating. */
export class Lifecycle {
  constructor(private readonly deps: UserDeps) {}

  async list(options: { after?: string; limit: number }): Promise<{ user: User; emails: UserEmail[] }[]> {
    const { storage } = this.deps;
    const users = await storage.users.list(options);
    const emails = await storage.emails.listForUsers(users.map((u) => u.id));
    return users.map((user) => ({ user, emails: emails.filter((e) => e.userId === user.id) }));
  }

  /** The account of `localpart` when it may be signed in to now: neither locked nor deactivated. */
  async activeUser(
    localpart: string,
  ): Promise<Result<User, UnknownUser | { kind: 'locked' | 'deactivated' }>> {
    const user = await this.deps.storage.users.findByLocalpart(localpart);
    if (!user) return err({ kind: 'unknown_user' });
    const status = userStatus(user);
    return status === 'active' ? ok(user) : err({ kind: status });
  }

  async setLocked(localpart: string, locked: boolean): Promise<Result<User, UnknownUser>> {
    return this.#changeUser(localpart, async (tx, user) => {
      const changed = await tx.users.setLocked(user.id, locked);
      await this.deps.outbox.enqueue(tx, user.id, { kind: 'provision_user', userId: user.id });
      return changed;
    });
  }

  /**
   * Deactivates an account: every session ends at once here, and the homeserver deactivates the user
   * (`erase` also erases their data there). Idempotent; the account can be reactivated.
   */
  async deactivate(
    localpart: string,
    options: { erase: boolean },
  ): Promise<Result<{ user: User; sessionsEnded: number }, UnknownUser>> {
    const { storage, outbox } = this.deps;
    const done = await storage.transaction(async (tx) => {
      const user = await tx.users.findByLocalpart(localpart);
      if (!user) return undefined;
      const sessionsEnded = await endEverySession(tx, user);
      const updated = user.deactivatedAt ? user : await tx.users.setDeactivated(user.id, true);
      // delete_user removes the user's devices on the homeserver as well.
      await outbox.enqueue(tx, user.id, {
        kind: 'delete_user',
        localpart: user.localpart,
        erase: options.erase,
      });
      return { user: updated ?? user, sessionsEnded };
    });
    if (!done) return err({ kind: 'unknown_user' });
    outbox.wake();
    return ok(done);
  }

  async reactivate(localpart: string): Promise<Result<User, UnknownUser>> {
    return this.#changeUser(localpart, async (tx, user) => {
      const changed = user.deactivatedAt ? await tx.users.setDeactivated(user.id, false) : user;
      await this.deps.outbox.enqueue(tx, user.id, { kind: 'reactivate_user', localpart: user.localpart });
      await this.deps.outbox.enqueue(tx, user.id, { kind: 'provision_user', userId: user.id });
      return changed;
    });
  }

  /** Allows or stops the user requesting homeserver admin rights (`urn:synapse:admin:*`). */
  async setCanRequestAdmin(localpart: string, allowed: boolean): Promise<Result<User, UnknownUser>> {
    const { users } = this.deps.storage;
    const user = await users.findByLocalpart(localpart);
    const updated = user && (await users.setCanRequestAdmin(user.id, allowed));
    if (!updated) return err({ kind: 'unknown_user' });
    return ok(updated);
  }

  /** One change to a user and the homeserver jobs it causes, in one transaction; then everyone is told. */
  async #changeUser(
    localpart: string,
    change: (tx: Repositories, user: User) => Promise<User | undefined>,
  ): Promise<Result<User, UnknownUser>> {
    const updated = await this.deps.storage.transaction(async (tx) => {
      const user = await tx.users.findByLocalpart(localpart);
      return user && change(tx, user);
    });
    if (!updated) return err({ kind: 'unknown_user' });
    this.deps.outbox.wake();
    return ok(updated);
  }
}

/** Ends the user's device sessions, browser sessions and compat sessions; returns how many devices ended. */
async function endEverySession(tx: Repositories, user: User): Promise<number> {
  const sessions = await tx.oauthSessions.listForUser(user.id, { active: true });
  for (const session of sessions) {
    await tx.oauthRecords.revokeByGrantId(session.grantId);
    await tx.oauthSessions.finish(session.id);
  }
  // Browser sessions and any grant without a device session go too, and the compat sessions.
  await tx.oauthRecords.revokeByAccountId(user.id);
  for (const session of await tx.compatSessions.listForUser(user.id, { active: true }))
    await tx.compatSessions.finish(session.id);
  return sessions.length;
}
