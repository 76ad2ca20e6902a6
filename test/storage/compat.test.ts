import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { isCompatToken, newCompatToken } from '../../src/domain/compat-token.js';
import { cryptoRng } from '../../src/domain/random.js';
import { sweepExpired } from '../../src/jobs/sweep.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

test('compat tokens carry their kind and a checksum that catches a typo', () => {
  const token = newCompatToken(cryptoRng, 'access');
  assert.match(token, /^mct_[A-Za-z0-9]{30}_[A-Za-z0-9]{6}$/);
  assert.equal(isCompatToken(token, 'access'), true);
  assert.equal(isCompatToken(token, 'refresh'), false, 'the prefix names the kind');
  const typo = `${token.slice(0, 10)}${token[10] === 'a' ? 'b' : 'a'}${token.slice(11)}`;
  assert.equal(isCompatToken(typo, 'access'), false);
  assert.equal(isCompatToken(`${token}x`, 'access'), false);
  assert.notEqual(newCompatToken(cryptoRng, 'access'), token);
});

for (const kind of DATABASE_KINDS) {
  describe(`compat storage [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    const clock = new ManualClock();
    let userId: string;

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, clock, cryptoRng);
      const user = await storage.users.create({ localpart: 'lena' });
      assert.ok(user.ok);
      userId = user.value.id;
    });
    after(() => database.close());

    test('a login token works once, not after it expired, and the sweep deletes expired ones', async () => {
      const at = clock.now().getTime();
      await storage.compatLoginTokens.add({ tokenHash: 'h-once', userId, expiresAt: at + 120_000 });
      await storage.compatLoginTokens.add({ tokenHash: 'h-late', userId, expiresAt: at + 1_000 });
      assert.equal(await storage.compatLoginTokens.consume('h-once'), userId);
      assert.equal(await storage.compatLoginTokens.consume('h-once'), undefined, 'single use');
      clock.advance(2_000);
      assert.equal(await storage.compatLoginTokens.consume('h-late'), undefined, 'expired');
      assert.equal(await sweepExpired(storage), 1);
      clock.advance(200_000);
      assert.equal(await sweepExpired(storage), 1, 'the used one goes once it expired too');
    });

    test('finishing a session deletes its tokens; a finished session is not found by its token', async () => {
      const session = await storage.compatSessions.create({
        userId,
        deviceId: 'LENADEV',
        origin: 'password',
        isAdmin: false,
        displayName: null,
        userAgent: null,
        ip: null,
      });
      await storage.compatTokens.addAccessToken({ tokenHash: 'a1', sessionId: session.id, expiresAt: null });
      await storage.compatTokens.addRefreshToken({
        tokenHash: 'r1',
        sessionId: session.id,
        accessTokenHash: 'a1',
      });
      assert.equal((await storage.compatTokens.sessionOfAccessToken('a1'))?.id, session.id);
      assert.ok(await storage.compatSessions.finish(session.id));
      assert.equal(await storage.compatSessions.finish(session.id), undefined, 'only once');
      assert.equal(await storage.compatTokens.sessionOfAccessToken('a1'), undefined);
      assert.equal(await storage.compatTokens.findRefreshToken('r1'), undefined);
    });
  });
}
