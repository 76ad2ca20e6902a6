import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

const MINUTE = 60_000;

for (const kind of DATABASE_KINDS) {
  describe(`upstream repositories [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    const clock = new ManualClock();
    let counter = 0;
    const newUser = async (): Promise<string> => {
      const created = await storage.users.create({ localpart: `up${++counter}` });
      assert.ok(created.ok);
      return created.value.id;
    };
    const authorization = (stateHash: string) =>
      storage.upstreamAuthorizations.create({
        providerId: 'P1',
        purpose: 'sign_in',
        interactionUid: 'uid-1',
        userId: null,
        stateHash,
        browserHash: 'b',
        secretsSealed: 'sealed',
        expiresAt: new Date(clock.now().getTime() + 10 * MINUTE),
      });

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, clock, cryptoRng);
    });
    after(() => database.close());

    test('a subject of a provider is linked to one account only; a user removes only their own links', async () => {
      const alice = await newUser();
      const bob = await newUser();
      const linked = await storage.upstreamLinks.create({
        providerId: 'P1',
        subject: 'sub-1',
        userId: alice,
        accountName: 'alice@idp',
      });
      assert.ok(linked.ok);
      const again = await storage.upstreamLinks.create({
        providerId: 'P1',
        subject: 'sub-1',
        userId: bob,
        accountName: null,
      });
      assert.deepEqual(again, { ok: false, error: 'taken' });
      // The same subject at another provider is another identity.
      assert.ok(
        (
          await storage.upstreamLinks.create({
            providerId: 'P2',
            subject: 'sub-1',
            userId: bob,
            accountName: null,
          })
        ).ok,
      );
      assert.equal((await storage.upstreamLinks.findBySubject('P1', 'sub-1'))?.userId, alice);
      assert.equal(await storage.upstreamLinks.remove(bob, linked.value.id), false);
      await storage.upstreamLinks.signedIn(linked.value.id, 'renamed');
      const [row] = await storage.upstreamLinks.listForUser(alice);
      assert.equal(row?.accountName, 'renamed');
      assert.ok(row?.lastSignInAt);
      assert.equal(await storage.upstreamLinks.removeForProvider(alice, 'P1'), 1);
      assert.equal(await storage.upstreamLinks.findBySubject('P1', 'sub-1'), undefined);
    });

    test('an authorization completes once and is used once; its secrets go at completion', async () => {
      const user = await newUser();
      const created = await authorization('state-a');
      assert.equal((await storage.upstreamAuthorizations.findByStateHash('state-a'))?.id, created.id);
      assert.equal(
        await storage.upstreamAuthorizations.consume(created.id, user),
        false,
        'not completed yet',
      );
      const outcome = { subject: 's', claims: '{}', upstreamSid: 'sid-1', idTokenSealed: null };
      assert.equal(await storage.upstreamAuthorizations.complete(created.id, outcome), true);
      assert.equal(await storage.upstreamAuthorizations.complete(created.id, outcome), false, 'replayed');
      assert.equal((await storage.upstreamAuthorizations.find(created.id))?.secretsSealed, '');
      assert.equal(await storage.upstreamAuthorizations.consume(created.id, user), true);
      assert.equal(await storage.upstreamAuthorizations.consume(created.id, user), false);
      await storage.upstreamAuthorizations.attachBrowserSession(created.id, 'browser-1');
      const found = await storage.upstreamAuthorizations.findSignedIn('P1', { sid: 'sid-1' });
      assert.deepEqual(
        found.map((a) => [a.userId, a.browserSessionId]),
        [[user, 'browser-1']],
      );
      assert.equal(
        (await storage.upstreamAuthorizations.findSignedIn('P1', { subject: 's', sid: 'other' })).length,
        0,
      );
    });

    test('stale authorizations are swept: unused once expired, used ones after the kept time', async () => {
      const user = await newUser();
      const unused = await authorization('state-b');
      const used = await authorization('state-c');
      await storage.upstreamAuthorizations.complete(used.id, {
        subject: 's2',
        claims: '{}',
        upstreamSid: null,
        idTokenSealed: null,
      });
      await storage.upstreamAuthorizations.consume(used.id, user);
      clock.advance(11 * MINUTE);
      assert.ok((await storage.upstreamAuthorizations.deleteStale(60 * MINUTE)) >= 1);
      assert.equal(await storage.upstreamAuthorizations.find(unused.id), undefined);
      assert.ok(await storage.upstreamAuthorizations.find(used.id));
      clock.advance(60 * MINUTE);
      await storage.upstreamAuthorizations.deleteStale(60 * MINUTE);
      assert.equal(await storage.upstreamAuthorizations.find(used.id), undefined);
    });
  });
}
