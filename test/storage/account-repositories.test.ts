import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

const MINUTE = 60_000;

for (const kind of DATABASE_KINDS) {
  describe(`account repositories [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    const clock = new ManualClock();
    let counter = 0;

    /** A fresh user per test, so tests do not see each other's rows. */
    const newUser = async (): Promise<string> => {
      const created = await storage.users.create({ localpart: `user${++counter}` });
      assert.ok(created.ok);
      return created.value.id;
    };

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, clock, cryptoRng);
    });
    after(() => database.close());

    describe('emails', () => {
      test("a user's first address is primary; setPrimary moves it, so exactly one is", async () => {
        const user = await newUser();
        const first = await storage.emails.add({ userId: user, email: 'a1@example.org', confirmed: true });
        const second = await storage.emails.add({ userId: user, email: 'a2@example.org', confirmed: false });
        assert.ok(first.ok && second.ok);
        assert.equal(first.value.primary, true);
        assert.equal(second.value.primary, false);
        assert.equal(second.value.confirmedAt, null);

        await storage.emails.setPrimary(user, second.value.id);
        const listed = await storage.emails.listForUser(user);
        assert.deepEqual(
          listed.map((e) => [e.email, e.primary]),
          [
            ['a2@example.org', true],
            ['a1@example.org', false],
          ],
          'primary first',
        );
      });

      test('setPrimary cannot touch another user’s addresses', async () => {
        const alice = await newUser();
        const bob = await newUser();
        const a = await storage.emails.add({ userId: alice, email: 'sp-a@example.org', confirmed: true });
        const b = await storage.emails.add({ userId: bob, email: 'sp-b@example.org', confirmed: true });
        assert.ok(a.ok && b.ok);
        await storage.emails.setPrimary(alice, b.value.id);
        assert.equal((await storage.emails.findById(b.value.id))?.primary, true, "bob's primary stays");
      });

      test('removing the primary address makes the oldest remaining one primary; others stay as they are', async () => {
        const user = await newUser();
        const ids: string[] = [];
        for (const n of [1, 2, 3]) {
          const added = await storage.emails.add({
            userId: user,
            email: `r${n}@example.org`,
            confirmed: true,
          });
          assert.ok(added.ok);
          ids.push(added.value.id);
        }
        await storage.emails.setPrimary(user, ids[2]!);
        assert.equal(await storage.emails.remove(user, ids[0]!), true, 'a non-primary one');
        assert.equal((await storage.emails.findById(ids[2]!))?.primary, true);

        await storage.emails.add({ userId: user, email: 'r4@example.org', confirmed: true });
        assert.equal(await storage.emails.remove(user, ids[2]!), true, 'the primary one');
        const left = await storage.emails.listForUser(user);
        assert.deepEqual(
          left.map((e) => [e.email, e.primary]),
          [
            ['r2@example.org', true],
            ['r4@example.org', false],
          ],
        );
        assert.equal(await storage.emails.remove(user, ids[2]!), false, 'gone already');
      });

      test("one account per address, case-insensitively; nobody removes another user's address", async () => {
        const alice = await newUser();
        const bob = await newUser();
        const added = await storage.emails.add({
          userId: alice,
          email: 'Shared@Example.org',
          confirmed: true,
        });
        assert.ok(added.ok);
        assert.deepEqual(
          await storage.emails.add({ userId: bob, email: 'shared@example.ORG', confirmed: true }),
          {
            ok: false,
            error: 'taken',
          },
        );
        assert.equal((await storage.emails.findByAddress('SHARED@example.org'))?.userId, alice);
        assert.equal(await storage.emails.remove(bob, added.value.id), false);
        assert.ok(await storage.emails.findById(added.value.id));
      });
    });

    describe('phones', () => {
      test('a number belongs to one account; it is listed, found, and removed only by its owner', async () => {
        const alice = await newUser();
        const bob = await newUser();
        const added = await storage.phones.add({ userId: alice, phone: '+4930123456' });
        assert.ok(added.ok);
        assert.deepEqual(await storage.phones.add({ userId: bob, phone: '+4930123456' }), {
          ok: false,
          error: 'taken',
        });
        assert.deepEqual(await storage.phones.add({ userId: alice, phone: '+4930123456' }), {
          ok: false,
          error: 'taken',
        });
        await storage.phones.add({ userId: alice, phone: '+4930999999' });
        assert.deepEqual(
          (await storage.phones.listForUser(alice)).map((p) => p.phone),
          ['+4930123456', '+4930999999'],
        );
        assert.equal((await storage.phones.findByNumber('+4930123456'))?.userId, alice);
        assert.equal(await storage.phones.remove(bob, added.value.id), false);
        assert.equal(await storage.phones.remove(alice, added.value.id), true);
        assert.equal(await storage.phones.findByNumber('+4930123456'), undefined);
        assert.ok((await storage.phones.add({ userId: bob, phone: '+4930123456' })).ok, 'free again');
      });
    });

    describe('verification codes', () => {
      const create = (target: string, userId: string | null = null, ttl = 15 * MINUTE) =>
        storage.verificationCodes.create({
          purpose: 'registration_email',
          userId,
          context: 'interaction-1',
          target,
          codeHash: 'hash',
          expiresAt: new Date(clock.now().getTime() + ttl),
        });

      test('a code is found as created; attempts count up one at a time', async () => {
        const code = await create('vc1@example.org', await newUser());
        assert.deepEqual(await storage.verificationCodes.find(code.id), code);
        assert.equal(code.attempts, 0);
        assert.equal(await storage.verificationCodes.recordAttempt(code.id), 1);
        assert.equal(await storage.verificationCodes.recordAttempt(code.id), 2);
        assert.equal((await storage.verificationCodes.find(code.id))?.attempts, 2);
        assert.equal(await storage.verificationCodes.recordAttempt('01ZZZZZZZZZZZZZZZZZZZZZZZZ'), Infinity);
      });

      test('concurrent attempts are all counted', async () => {
        const code = await create('vc-burst@example.org');
        const counts = await Promise.all(
          Array.from({ length: 10 }, () => storage.verificationCodes.recordAttempt(code.id)),
        );
        assert.deepEqual(
          [...counts].sort((a, b) => a - b),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );
      });

      test('a code is consumed once, even by concurrent callers', async () => {
        const code = await create('vc2@example.org');
        const results = await Promise.all(
          Array.from({ length: 5 }, () => storage.verificationCodes.consume(code.id)),
        );
        assert.equal(results.filter(Boolean).length, 1);
        assert.deepEqual((await storage.verificationCodes.find(code.id))?.consumedAt, clock.now());
        assert.equal(await storage.verificationCodes.consume(code.id), false);
      });

      test('codes sent to an address are counted since a time', async () => {
        await create('vc3@example.org');
        clock.advance(10 * MINUTE);
        const since = clock.now();
        await create('vc3@example.org');
        await create('vc3@example.org');
        await create('other@example.org');
        assert.equal(await storage.verificationCodes.countSentTo('vc3@example.org', since), 2);
        assert.equal(await storage.verificationCodes.countSentTo('vc3@example.org', new Date(0)), 3);
        assert.equal(
          await storage.verificationCodes.countSentTo('VC3@Example.org', new Date(0)),
          3,
          'letter case does not make a new address',
        );
        assert.equal(await storage.verificationCodes.countSentTo('nobody@example.org', new Date(0)), 0);
      });

      test('expired codes are deleted after the grace period only', async () => {
        const short = await create('vc4@example.org', null, MINUTE);
        const long = await create('vc5@example.org', null, 60 * MINUTE);
        clock.advance(2 * MINUTE);
        await storage.verificationCodes.deleteExpired(5 * MINUTE);
        assert.ok(await storage.verificationCodes.find(short.id), 'within the grace period');
        clock.advance(5 * MINUTE);
        assert.ok((await storage.verificationCodes.deleteExpired(5 * MINUTE)) >= 1);
        assert.equal(await storage.verificationCodes.find(short.id), undefined);
        assert.ok(await storage.verificationCodes.find(long.id));
      });
    });

    describe('recovery tickets', () => {
      const create = async (userId: string, tokenHash: string, ttl = 60 * MINUTE) =>
        storage.recoveryTickets.create({
          userId,
          email: 'rt@example.org',
          tokenHash,
          expiresAt: new Date(clock.now().getTime() + ttl),
        });

      test('a live ticket is found by its hash and consumed once', async () => {
        const user = await newUser();
        const ticket = await create(user, 'rt-hash-1');
        assert.deepEqual(await storage.recoveryTickets.findLive('rt-hash-1'), ticket);
        assert.equal(await storage.recoveryTickets.findLive('rt-hash-unknown'), undefined);
        const results = await Promise.all([
          storage.recoveryTickets.consume(ticket.id),
          storage.recoveryTickets.consume(ticket.id),
        ]);
        assert.deepEqual([...results].sort(), [false, true]);
        assert.equal(await storage.recoveryTickets.findLive('rt-hash-1'), undefined, 'used up');
      });

      test('a ticket dies at its expiry time', async () => {
        const user = await newUser();
        await create(user, 'rt-hash-2', 30 * MINUTE);
        clock.advance(30 * MINUTE - 1);
        assert.ok(await storage.recoveryTickets.findLive('rt-hash-2'));
        clock.advance(1);
        assert.equal(await storage.recoveryTickets.findLive('rt-hash-2'), undefined);
      });

      test('tickets are counted per user since a time, and swept once expired', async () => {
        const user = await newUser();
        const since = clock.now();
        await create(user, 'rt-hash-3', MINUTE);
        await create(user, 'rt-hash-4', MINUTE);
        assert.equal(await storage.recoveryTickets.countForUser(user, since), 2);
        assert.equal(await storage.recoveryTickets.countForUser(await newUser(), since), 0);
        clock.advance(2 * MINUTE);
        assert.ok((await storage.recoveryTickets.deleteExpired(0)) >= 2);
        assert.equal(await storage.recoveryTickets.countForUser(user, since), 0);
      });
    });

    describe('terms', () => {
      test('acceptance is per URL and idempotent', async () => {
        const user = await newUser();
        assert.equal(await storage.terms.hasAccepted(user, 'https://example.org/tos-1'), false);
        await storage.terms.accept(user, 'https://example.org/tos-1');
        await storage.terms.accept(user, 'https://example.org/tos-1');
        assert.equal(await storage.terms.hasAccepted(user, 'https://example.org/tos-1'), true);
        assert.equal(
          await storage.terms.hasAccepted(user, 'https://example.org/tos-2'),
          false,
          'a new version',
        );
        assert.equal(await storage.terms.hasAccepted(await newUser(), 'https://example.org/tos-1'), false);
      });
    });

    describe('registration tokens', () => {
      const create = async (tokenHash: string, usageLimit: number | null, expiresAt: Date | null = null) => {
        const created = await storage.registrationTokens.create({ tokenHash, usageLimit, expiresAt });
        assert.ok(created.ok);
        return created.value;
      };

      test('a token counts its uses up to its limit', async () => {
        const token = await create('rtok-1', 2);
        assert.deepEqual(
          await storage.registrationTokens.create({ tokenHash: 'rtok-1', usageLimit: 1, expiresAt: null }),
          {
            ok: false,
            error: 'taken',
          },
        );
        const first = await storage.registrationTokens.use('rtok-1');
        assert.equal(first?.timesUsed, 1);
        assert.deepEqual(first?.lastUsedAt, clock.now());
        assert.equal((await storage.registrationTokens.use('rtok-1'))?.timesUsed, 2);
        assert.equal(await storage.registrationTokens.isValid('rtok-1'), false);
        assert.equal(await storage.registrationTokens.use('rtok-1'), undefined, 'the limit is reached');
        assert.equal(
          (await storage.registrationTokens.list()).find((t) => t.id === token.id)?.timesUsed,
          2,
          'a refused use is not counted',
        );
        assert.equal(await storage.registrationTokens.use('rtok-unknown'), undefined);
      });

      test('two registrations racing for a single-use token: exactly one wins', async () => {
        await create('rtok-race', 1);
        const results = await Promise.all(
          Array.from({ length: 8 }, () => storage.registrationTokens.use('rtok-race')),
        );
        assert.equal(results.filter((r) => r !== undefined).length, 1);
        const listed = (await storage.registrationTokens.list()).find(
          (t) => t.usageLimit === 1 && t.timesUsed === 1,
        );
        assert.ok(listed);
      });

      test('a token without limit keeps working; an expired or revoked one does not', async () => {
        await create('rtok-free', null);
        for (let i = 1; i <= 3; i++)
          assert.equal((await storage.registrationTokens.use('rtok-free'))?.timesUsed, i);

        await create('rtok-expiring', null, new Date(clock.now().getTime() + MINUTE));
        assert.equal(await storage.registrationTokens.isValid('rtok-expiring'), true);
        clock.advance(MINUTE);
        assert.equal(await storage.registrationTokens.isValid('rtok-expiring'), false);
        assert.equal(await storage.registrationTokens.use('rtok-expiring'), undefined);

        const revoked = await create('rtok-revoked', 5);
        assert.equal(await storage.registrationTokens.revoke(revoked.id), true);
        assert.equal(await storage.registrationTokens.revoke(revoked.id), false, 'once');
        assert.equal(await storage.registrationTokens.isValid('rtok-revoked'), false);
        assert.equal(await storage.registrationTokens.use('rtok-revoked'), undefined);
        assert.deepEqual(
          (await storage.registrationTokens.list()).find((t) => t.id === revoked.id)?.revokedAt,
          clock.now(),
        );
      });
    });

    describe('browser sessions', () => {
      test('touch records a session once and its activity after; finish ends it once', async () => {
        const user = await newUser();
        const created = clock.now();
        await storage.browserSessions.touch({
          id: 'bs-1',
          userId: user,
          ip: '192.0.2.1',
          userAgent: 'Firefox',
        });
        clock.advance(MINUTE);
        await storage.browserSessions.touch({ id: 'bs-1', userId: user, ip: '192.0.2.2', userAgent: null });
        const session = await storage.browserSessions.find('bs-1');
        assert.deepEqual(session, {
          id: 'bs-1',
          userId: user,
          createdAt: created,
          lastActiveAt: clock.now(),
          lastActiveIp: '192.0.2.2',
          userAgent: 'Firefox',
          finishedAt: null,
        });
        await storage.browserSessions.touch({ id: 'bs-1', userId: user, ip: null, userAgent: 'Chromium' });
        assert.equal((await storage.browserSessions.find('bs-1'))?.userAgent, 'Chromium');

        const finished = await storage.browserSessions.finish('bs-1');
        assert.deepEqual(finished?.finishedAt, clock.now());
        assert.equal(await storage.browserSessions.finish('bs-1'), undefined, 'once');
        assert.equal(await storage.browserSessions.find('unknown'), undefined);
      });

      test('another account signing in on the same browser takes the session over as a new one', async () => {
        const first = await newUser();
        const second = await newUser();
        await storage.browserSessions.touch({
          id: 'bs-switch',
          userId: first,
          ip: null,
          userAgent: 'Firefox',
        });
        clock.advance(MINUTE);
        await storage.browserSessions.touch({ id: 'bs-switch', userId: second, ip: null, userAgent: null });
        const session = await storage.browserSessions.find('bs-switch');
        assert.equal(session?.userId, second);
        assert.deepEqual(session?.createdAt, clock.now(), 'a new sign-in for the second account');
        assert.deepEqual(
          (await storage.browserSessions.listForUser(first, { active: true })).map((s) => s.id),
          [],
        );
      });

      test("a user's sessions are listed most recently active first; finished ones only when asked", async () => {
        const user = await newUser();
        for (const id of ['bs-a', 'bs-b', 'bs-c']) {
          await storage.browserSessions.touch({ id, userId: user, ip: null, userAgent: null });
          clock.advance(MINUTE);
        }
        await storage.browserSessions.touch({ id: 'bs-a', userId: user, ip: null, userAgent: null });
        await storage.browserSessions.finish('bs-b');
        await storage.browserSessions.touch({
          id: 'bs-other',
          userId: await newUser(),
          ip: null,
          userAgent: null,
        });
        assert.deepEqual(
          (await storage.browserSessions.listForUser(user, { active: true })).map((s) => s.id),
          ['bs-a', 'bs-c'],
        );
        assert.deepEqual(
          (await storage.browserSessions.listForUser(user, { active: false })).map((s) => s.id).sort(),
          ['bs-a', 'bs-b', 'bs-c'],
        );
      });
    });
  });
}
