import type { Job } from '../domain/job.js';
import type { Repositories } from '../storage/repositories.js';
import { type HomeserverJob, homeserverJob } from './homeserver.js';
import type { JobWorker } from './worker.js';

/**
 * How services hand work to the outbox: `enqueue` inside the transaction of the change that causes it,
 * `wake` after it commits. Without a homeserver (`matrix.kind: none`) there is nothing to tell, and no
 * job is written.
 */
export class Outbox {
  constructor(
    private readonly worker: JobWorker,
    private readonly homeserver: boolean,
  ) {}

  async enqueue(tx: Repositories, userId: string, job: HomeserverJob): Promise<Job | undefined> {
    if (!this.homeserver) return undefined;
    return tx.jobs.enqueue(homeserverJob(userId, job));
  }

  /**
   * A session holding `deviceId` ended: unless another live session (OAuth or compat) holds the same
   * device (a sign-in took it over), the device is deleted on the homeserver.
   */
  async releaseDevice(tx: Repositories, userId: string, deviceId: string): Promise<void> {
    if ((await tx.oauthSessions.activeForDevice(userId, deviceId)).length > 0) return;
    if ((await tx.compatSessions.activeForDevice(userId, deviceId)).length > 0) return;
    const user = await tx.users.findById(userId);
    if (user) await this.enqueue(tx, user.id, { kind: 'delete_device', localpart: user.localpart, deviceId });
  }

  /**
   * A sign-in failed after its `upsert_device` job was written and tried. `ended` is what finishing its
   * session in `tx` returned: nothing when something else (a revocation at the same moment) ended it
   * first, and so already released its device. The job is cancelled (pending for a retry, or failed for
   * good: moot either way), and a `delete_device` written only when this call ended the session, the
   * failed call may have created the device anyway (a timeout, a 5xx) and no other live session holds
   * it. A refused call (a wrong secret, a device the homeserver will not take) leaves no job behind.
   */
  async abandonSignIn(
    tx: Repositories,
    upsert: Job,
    untouched: boolean,
    ended: { userId: string; deviceId: string | null } | undefined,
  ): Promise<void> {
    // Not cancelled: a worker is delivering it right now (deliverNow gave up waiting for an earlier job
    // of the user), so the device may yet be created.
    const cancelled = await tx.jobs.cancel(upsert.id);
    if (!ended?.deviceId || (cancelled && untouched)) return;
    await this.releaseDevice(tx, ended.userId, ended.deviceId);
  }

  /** A device was renamed: tell the homeserver. */
  async renameDevice(tx: Repositories, userId: string, deviceId: string, displayName: string): Promise<void> {
    const user = await tx.users.findById(userId);
    if (user)
      await this.enqueue(tx, user.id, {
        kind: 'update_device_display_name',
        localpart: user.localpart,
        deviceId,
        displayName,
      });
  }

  /** Delivers `job` (and the earlier jobs of its user) now; see JobWorker.deliverNow. */
  deliverNow(job: Job): ReturnType<JobWorker['deliverNow']> {
    return this.worker.deliverNow(job);
  }

  wake(): void {
    this.worker.wake();
  }
}
