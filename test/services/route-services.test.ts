import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import { tokenHash } from '../../src/domain/token-hash.js';
import type { User } from '../../src/domain/user.js';
import { Outbox } from '../../src/jobs/outbox.js';
import { JobWorker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/observability/logger.js';
import { BrowserSessionService } from '../../src/services/browser-sessions.js';
import { CompatSessionService } from '../../src/services/compat-sessions.js';
import { UserinfoService } from '../../src/services/userinfo.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

// The services the route factories receive in place of storage: what each answers for them.
for (const kind of DATABASE_KINDS) {
  describe(`services of the routes [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    let user: User;
    const clock = new ManualClock();

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, clock, cryptoRng);
      const created = await storage.users.create({ localpart: 'vera' });
      assert.ok(created.ok);
      user = created.value;
    });
    after(() => database.close());

    test('a login token gives its user once', async () => {
      const worker = new JobWorker(storage, {}, { logger: createLogger('silent'), clock, rng: cryptoRng });
      const compat = new CompatSessionService(storage, new Outbox(worker, false), {
        rng: cryptoRng,
        clock,
        accessTokenTtlSeconds: 300,
      });
      const token = await compat.issueLoginToken(user.id);
      assert.equal((await compat.redeemLoginToken(token))?.id, user.id);
      assert.equal(await compat.redeemLoginToken(token), undefined, 'single use');
      assert.equal(await compat.redeemLoginToken('not-a-login-token'), undefined);
    });

    test('a browser is signed in only to an account that may sign in', async () => {
      const browsers = new BrowserSessionService(storage);
      assert.equal((await browsers.signedInUser(user.id))?.id, user.id);
      assert.equal(await browsers.signedInUser('no-such-user'), undefined);
      await storage.users.setLocked(user.id, true);
      assert.equal(await browsers.signedInUser(user.id), undefined, 'locked');
      await storage.users.setLocked(user.id, false);
      await storage.users.setDeactivated(user.id, true);
      assert.equal(await browsers.signedInUser(user.id), undefined, 'deactivated');
      await storage.users.setDeactivated(user.id, false);
      await browsers.recordActivity({ id: 'bs-route', userId: user.id, ip: '192.0.2.9', userAgent: null });
      assert.equal((await storage.browserSessions.find('bs-route'))?.userId, user.id);
    });

    test('userinfo answers only for a grant with the openid scope', async () => {
      const userinfo = new UserinfoService(storage);
      const grant = (grantId: string, scope: string) =>
        storage.oauthRecords.upsert({
          model: 'Grant',
          idHash: tokenHash(grantId),
          payload: { openid: { scope } },
          grantId,
          uid: null,
          userCodeHash: null,
          accountId: user.id,
          expiresAt: clock.now().getTime() + 60_000,
          consumedAt: null,
        });
      await grant('g-openid', 'openid email');
      await grant('g-none', 'email');
      assert.deepEqual(await userinfo.claims(user, 'g-openid'), { sub: user.id, preferred_username: 'vera' });
      assert.equal(await userinfo.claims(user, 'g-none'), undefined);
      assert.equal(await userinfo.claims(user, undefined), undefined);
    });
  });
}
