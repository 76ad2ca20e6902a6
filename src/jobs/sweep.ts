import type { Clock } from '../domain/clock.js';
import type { RecurringJob } from '../domain/job.js';
import type { Logger } from '../observability/logger.js';
import type { Storage } from '../storage/storage.js';
import type { JobHandler } from './worker.js';

const BATCH = 1000;

/** Used verification codes and recovery links are kept this long after they expire, for support questions. */
const KEEP_EXPIRED_MS = 24 * 3_600_000;

/**
 * Upstream sign-ins are kept this long after they completed: a back-channel logout names the upstream
 * session, and finds the browser session it signed in through them (longer than the default browser session).
 */
const KEEP_UPSTREAM_SIGN_INS_MS = 90 * 24 * 3_600_000;

/**
 * Deletes expired OAuth records (tokens, codes, sessions, interactions, registered clients that never
 * got a session) in batches, expired login tokens of the SSO redirect, and verification codes and
 * recovery links a day after they expired, and upstream sign-ins never finished (or long used); returns how many.
 */
export async function sweepExpired(storage: Storage): Promise<number> {
  let total = await storage.compatLoginTokens.deleteExpired();
  total += await storage.verificationCodes.deleteExpired(KEEP_EXPIRED_MS);
  total += await storage.recoveryTickets.deleteExpired(KEEP_EXPIRED_MS);
  total += await storage.upstreamAuthorizations.deleteStale(KEEP_UPSTREAM_SIGN_INS_MS);
  for (;;) {
    // A registered client never used expires (oauth/adapter.ts). Its translations go first, so a sweep
    // cut short leaves the client to be found again, never translations of a client that is gone.
    const clients = await storage.oauthRecords.expiredClientIds(BATCH);
    await storage.clientLocalizations.deleteForClients(clients);
    total += await storage.oauthRecords.deleteExpiredClients(clients);
    if (clients.length < BATCH) break;
  }
  for (;;) {
    const deleted = await storage.oauthRecords.deleteExpired(BATCH);
    total += deleted;
    if (deleted < BATCH) return total;
  }
}

/** Recurring work that keeps the database from growing without bound. */
export const MAINTENANCE_QUEUE = 'maintenance';

/** The expiry sweep, every ten minutes, on one instance at a time. */
export const EXPIRY_SWEEP: RecurringJob = {
  queue: MAINTENANCE_QUEUE,
  kind: 'expiry_sweep',
  everyMs: 10 * 60_000,
};

/**
 * Runs one occurrence of the sweep, then ends the device sessions whose tokens it deleted (`afterSweep`),
 * and schedules the next. A failure waits for the next occurrence, as a sweep cut short loses nothing:
 * what it did not delete is found again.
 */
export function expirySweepHandler(deps: {
  storage: Storage;
  logger: Logger;
  clock: Clock;
  afterSweep: () => Promise<number>;
}): JobHandler {
  return async () => {
    try {
      const deleted = await sweepExpired(deps.storage);
      if (deleted > 0) deps.logger.info({ deleted }, 'expired OAuth records deleted');
      const ended = await deps.afterSweep();
      if (ended > 0) deps.logger.info({ ended }, 'device sessions whose tokens expired ended');
    } catch (e) {
      deps.logger.warn({ err: e }, 'sweeping expired OAuth records failed; will try again');
    }
    return { kind: 'done', next: new Date(deps.clock.now().getTime() + EXPIRY_SWEEP.everyMs) };
  };
}
