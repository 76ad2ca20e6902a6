import type { Job, NewJob } from '../domain/job.js';
import type { HomeserverConnector, HomeserverError } from '../homeserver/connector.js';
import { describeHomeserverError } from '../homeserver/connector.js';
import type { Repositories } from '../storage/repositories.js';
import type { JobOutcome } from './worker.js';

export const HOMESERVER_QUEUE = 'homeserver';

/** Tries for a call whose user or device the homeserver does not know, before the job fails. */
const MISSING_ATTEMPTS = 8;

/**
 * The homeserver calls mxauth owes, as outbox jobs. Jobs that mirror state (`provision_user`,
 * `sync_devices`) read it when delivered, so a late delivery sends the latest state, not a stale one.
 */
export type HomeserverJob =
  | { kind: 'provision_user'; userId: string }
  | { kind: 'upsert_device'; localpart: string; deviceId: string; displayName?: string }
  | { kind: 'update_device_display_name'; localpart: string; deviceId: string; displayName: string }
  | { kind: 'delete_device'; localpart: string; deviceId: string }
  | { kind: 'sync_devices'; userId: string }
  | { kind: 'delete_user'; localpart: string; erase: boolean }
  | { kind: 'reactivate_user'; localpart: string }
  /** Mirrors the user's display name as it is when delivered (set, or unset when there is none). */
  | { kind: 'set_displayname'; userId: string }
  | { kind: 'allow_cross_signing_reset'; localpart: string };

/** A job for the outbox. All calls about one user share an ordering key, so they reach the homeserver in order. */
export function homeserverJob(userId: string, job: HomeserverJob): NewJob {
  return { queue: HOMESERVER_QUEUE, kind: job.kind, payload: job, orderingKey: `user:${userId}` };
}

/** Delivers homeserver jobs through the connector and says what should happen to each. */
export function homeserverJobRunner(
  connector: HomeserverConnector,
  storage: Repositories,
): (job: Job) => Promise<JobOutcome> {
  return async (job) => {
    const call = job.payload as HomeserverJob;
    switch (call.kind) {
      case 'provision_user': {
        const user = await storage.users.findById(call.userId);
        // Nothing to mirror for a user that no longer exists here.
        if (!user) return { kind: 'done' };
        const emails = (await storage.emails.listForUser(user.id))
          .filter((e) => e.confirmedAt !== null)
          .map((e) => e.email);
        return outcome(
          await connector.provisionUser({
            localpart: user.localpart,
            displayName: user.displayName,
            emails,
            locked: user.lockedAt !== null,
          }),
          { missingIsDone: false, attempts: job.attempts },
        );
      }
      case 'upsert_device': {
        // A device no live session holds any more (its sign-in failed, or it was signed out before the
        // homeserver could be told) must not be created there: the job is moot, and dropped.
        if (!(await deviceInUse(storage, call.localpart, call.deviceId))) return { kind: 'done' };
        return outcome(await connector.upsertDevice(call.localpart, call.deviceId, call.displayName), {
          missingIsDone: false,
          attempts: job.attempts,
        });
      }
      case 'update_device_display_name':
        return outcome(
          await connector.updateDeviceDisplayName(call.localpart, call.deviceId, call.displayName),
          { missingIsDone: true, attempts: job.attempts },
        );
      case 'delete_device':
        return outcome(await connector.deleteDevice(call.localpart, call.deviceId), {
          missingIsDone: true,
          attempts: job.attempts,
        });
      case 'sync_devices': {
        const user = await storage.users.findById(call.userId);
        if (!user) return { kind: 'done' };
        const sessions = await storage.oauthSessions.listForUser(user.id, { active: true });
        const compat = await storage.compatSessions.listForUser(user.id, { active: true });
        const devices = [
          ...new Set([
            ...sessions.map((s) => s.deviceId).filter((d): d is string => d !== null),
            ...compat.map((s) => s.deviceId),
          ]),
        ];
        return outcome(await connector.syncDevices(user.localpart, devices), {
          missingIsDone: false,
          attempts: job.attempts,
        });
      }
      case 'delete_user':
        return outcome(await connector.deleteUser(call.localpart, call.erase), {
          missingIsDone: true,
          attempts: job.attempts,
        });
      case 'reactivate_user':
        return outcome(await connector.reactivateUser(call.localpart), {
          missingIsDone: false,
          attempts: job.attempts,
        });
      case 'set_displayname': {
        const user = await storage.users.findById(call.userId);
        if (!user) return { kind: 'done' };
        return outcome(await connector.setDisplayName(user.localpart, user.displayName), {
          missingIsDone: false,
          attempts: job.attempts,
        });
      }
      case 'allow_cross_signing_reset':
        return outcome(await connector.allowCrossSigningReset(call.localpart), {
          missingIsDone: false,
          attempts: job.attempts,
        });
      default:
        return { kind: 'fail', error: `unknown homeserver job ${(call as { kind: string }).kind}` };
    }
  };
}

async function deviceInUse(storage: Repositories, localpart: string, deviceId: string): Promise<boolean> {
  const user = await storage.users.findByLocalpart(localpart);
  if (!user) return false;
  return (
    (await storage.oauthSessions.activeForDevice(user.id, deviceId)).length > 0 ||
    (await storage.compatSessions.activeForDevice(user.id, deviceId)).length > 0
  );
}

/**
 * Transient failures and a refused secret are retried (the homeserver or its configuration will come
 * back); a missing user or device is success for deletions and a retry otherwise (it may be provisioned
 * by an earlier job an operator retries); any other refusal fails the job for an operator to look at.
 */
function outcome(
  result: { ok: true } | { ok: false; error: HomeserverError },
  options: { missingIsDone: boolean; attempts: number },
): JobOutcome {
  if (result.ok) return { kind: 'done' };
  const error = describeHomeserverError(result.error);
  // Only a transient failure (no answer, a 5xx) may hide a call that took effect; any other answer is
  // the homeserver refusing it.
  const untouched = result.error.kind !== 'transient';
  switch (result.error.kind) {
    case 'transient':
      return { kind: 'retry', error };
    case 'unauthorized':
      return { kind: 'retry', error, untouched };
    case 'not_found':
      // Worth a few tries (an earlier job may still create the user), not forever: it would hold the
      // user's later jobs (deletions included) behind it.
      if (options.missingIsDone) return { kind: 'done' };
      return options.attempts < MISSING_ATTEMPTS
        ? { kind: 'retry', error, untouched }
        : { kind: 'fail', error, untouched };
    default:
      return { kind: 'fail', error, untouched };
  }
}
