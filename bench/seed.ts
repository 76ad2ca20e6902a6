import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../src/storage/tables.js';

/**
 * Writes `count` live access tokens (`bench-token-<i>`) for one user straight into the engine's table, in
 * batches: the state of a server with that many signed-in devices.
 */
export async function seedAccessTokens(db: Kysely<Tables>, count: number, userId: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const grantId = `bench-grant-${i}`;
      rows.push({
        model: 'AccessToken',
        id_hash: createHash('sha256').update(`bench-token-${i}`).digest('base64url'),
        payload: JSON.stringify({
          iat: now,
          exp: now + 3600,
          accountId: userId,
          clientId: 'bench-client',
          grantId,
          kind: 'AccessToken',
          scope: `urn:matrix:client:api:* urn:matrix:client:device:DEVICE${i}`,
          aud: 'http://localhost:8008/',
        }),
        grant_id: grantId,
        uid: null,
        user_code_hash: null,
        account_id: userId,
        expires_at: (now + 3600) * 1000,
        consumed_at: null,
        next_id_hash: null,
      });
    }
    await db.insertInto('oauth_records').values(rows).execute();
  }
}
