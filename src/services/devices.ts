import type { Repositories } from '../storage/repositories.js';

/**
 * A new session took device `deviceId` over (a sign-in naming an existing device id): every other live
 * session on it ends, OAuth or compat, and their tokens die; the device itself stays, with its keys, as
 * with Synapse's own login. Called once the homeserver knows the new session's device, so a failed
 * sign-in leaves the old session working.
 */
export async function takeOverDevice(
  tx: Repositories,
  userId: string,
  deviceId: string,
  keep: { compatSessionId?: string; grantId?: string },
): Promise<void> {
  for (const previous of await tx.compatSessions.activeForDevice(userId, deviceId))
    if (previous.id !== keep.compatSessionId) await tx.compatSessions.finish(previous.id);
  for (const previous of await tx.oauthSessions.activeForDevice(userId, deviceId)) {
    if (previous.grantId === keep.grantId) continue;
    await tx.oauthRecords.revokeByGrantId(previous.grantId);
    await tx.oauthSessions.finish(previous.id);
  }
}
