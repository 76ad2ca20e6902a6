import type { Logger } from '../observability/logger.js';
import type { Storage } from '../storage/storage.js';

const BATCH = 1000;

/** Used verification codes and recovery links are kept this long after they expire, for support questions. */
const KEEP_EXPIRED_MS = 24 * 3_600_000;

/**
 * Deletes expired OAuth records (tokens, codes, sessions, interactions, registered clients that never
 * got a session) in batches, expired login tokens of the SSO redirect, and verification codes and
 * recovery links a day after they expired; returns how many.
 */
export async function sweepExpired(storage: Storage): Promise<number> {
  let total = await storage.compat.deleteExpiredLoginTokens();
  total += await storage.verificationCodes.deleteExpired(KEEP_EXPIRED_MS);
  total += await storage.recoveryTickets.deleteExpired(KEEP_EXPIRED_MS);
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

/**
 * Runs the sweep every `intervalMs` in the background, so the engine's table does not grow without
 * bound. Several instances sweeping at once is harmless: deleting an expired row twice is a no-op.
 */
export function startMaintenance(
  storage: Storage,
  logger: Logger,
  afterSweep: () => Promise<number> = async () => 0,
  intervalMs = 10 * 60_000,
): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const deleted = await sweepExpired(storage);
      if (deleted > 0) logger.info({ deleted }, 'expired OAuth records deleted');
      const ended = await afterSweep();
      if (ended > 0) logger.info({ ended }, 'device sessions whose tokens expired ended');
    } catch (e) {
      logger.warn({ err: e }, 'sweeping expired OAuth records failed; will try again');
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
