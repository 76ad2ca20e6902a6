import { err, ok, type Result } from '../../domain/result.js';
import type { User } from '../../domain/user.js';
import type { HomeserverJob } from '../../jobs/homeserver.js';
import type { UserDeps } from './deps.js';

/** Accounts told to the homeserver outside of a change here: repairs, and the cross-signing window. */
export class HomeserverRepair {
  constructor(private readonly deps: UserDeps) {}

  /** Queues a provision_user for every account (after a restore, or to repair the homeserver's copy). */
  async provisionAll(): Promise<number> {
    return this.#queueForAll((user) => ({ kind: 'provision_user', userId: user.id }));
  }

  /** Queues a device sync for one user (by localpart) or for every active account; returns how many. */
  async syncDevices(localpart?: string): Promise<Result<number, { kind: 'unknown_user' }>> {
    const { storage, outbox } = this.deps;
    if (localpart === undefined)
      return ok(
        await this.#queueForAll((user) =>
          user.deactivatedAt ? undefined : { kind: 'sync_devices', userId: user.id },
        ),
      );
    const user = await storage.users.findByLocalpart(localpart);
    if (!user) return err({ kind: 'unknown_user' });
    await storage.transaction((tx) => outbox.enqueue(tx, user.id, { kind: 'sync_devices', userId: user.id }));
    outbox.wake();
    return ok(1);
  }

  /**
   * Lets the user replace their cross-signing keys without interactive auth for a short while (the
   * homeserver's window, 10 minutes on Synapse). Delivered at once: the user is waiting to do it.
   */
  async allowCrossSigningReset(
    userId: string,
  ): Promise<Result<void, { kind: 'homeserver_unavailable'; error: string }>> {
    const { storage, outbox } = this.deps;
    const job = await storage.transaction(async (tx) => {
      const user = await tx.users.findById(userId);
      return (
        user && outbox.enqueue(tx, user.id, { kind: 'allow_cross_signing_reset', localpart: user.localpart })
      );
    });
    if (!job) return ok(undefined);
    const delivered = await outbox.deliverNow(job);
    if (delivered.delivered) return ok(undefined);
    // Not later: a reset window opening hours after the user gave up would surprise them.
    await storage.jobs.fail(job.id, `not delivered while the user waited: ${delivered.error}`);
    return err({ kind: 'homeserver_unavailable', error: delivered.error });
  }

  /** One homeserver job per account (where `job` gives one), a page of accounts per transaction. */
  async #queueForAll(job: (user: User) => HomeserverJob | undefined): Promise<number> {
    const { storage, outbox } = this.deps;
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const page = await storage.users.list({ after, limit: 500 });
      if (page.length === 0) break;
      await storage.transaction(async (tx) => {
        for (const user of page) {
          const next = job(user);
          if (!next) continue;
          await outbox.enqueue(tx, user.id, next);
          count++;
        }
      });
      after = page.at(-1)!.localpart;
    }
    outbox.wake();
    return count;
  }
}
