import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import type { MessageRequest, Messenger } from '../../src/services/messages.js';
import { VerificationService } from '../../src/services/verification.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

/** Keeps what would have been mailed or texted, and whether it was written inside a transaction. */
class RecordingMessenger implements Messenger {
  sent: { channel: 'email' | 'sms'; request: MessageRequest }[] = [];
  wakes = 0;
  async email(_tx: unknown, request: MessageRequest) {
    this.sent.push({ channel: 'email', request });
  }
  async sms(_tx: unknown, request: MessageRequest) {
    this.sent.push({ channel: 'sms', request });
  }
  wake() {
    this.wakes++;
  }
  lastCode(): string {
    const message = this.sent.at(-1)?.request.message;
    assert.equal(message?.kind, 'verification_code');
    return message.code;
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`verification codes [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    let clock: ManualClock;
    let messenger: RecordingMessenger;
    let service: VerificationService;
    let userId: string;

    const send = (
      target = 'alice@example.org',
      overrides: Partial<Parameters<VerificationService['send']>[0]> = {},
    ) =>
      service.send({
        purpose: 'add_email',
        channel: 'email',
        target,
        userId,
        context: null,
        language: 'en',
        ...overrides,
      });
    const check = (
      id: string,
      code: string,
      overrides: Partial<Parameters<VerificationService['check']>[0]> = {},
    ) => service.check({ id, code, purpose: 'add_email', userId, context: null, ...overrides });
    /** A code that is not the one sent. */
    const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    before(async () => {
      database = await openMigrated(kind);
    });
    beforeEach(async () => {
      await database.db.deleteFrom('verification_codes').execute();
      await database.db.deleteFrom('users').execute();
      clock = new ManualClock();
      storage = createStorage(database, clock, cryptoRng);
      messenger = new RecordingMessenger();
      service = new VerificationService(storage, messenger, {
        clock,
        rng: cryptoRng,
        key: Buffer.alloc(32, 7),
      });
      const user = await storage.users.create({ localpart: 'alice' });
      assert.ok(user.ok);
      userId = user.value.id;
    });
    after(() => database.close());

    test('a code is sent through the chosen channel, stored only as a keyed hash, and works once', async () => {
      const sent = await send();
      assert.ok(sent.ok);
      assert.equal(messenger.sent.length, 1);
      assert.equal(messenger.sent[0]!.channel, 'email');
      assert.equal(messenger.sent[0]!.request.to, 'alice@example.org');
      const code = messenger.lastCode();
      assert.match(code, /^\d{6}$/);
      assert.deepEqual(messenger.sent[0]!.request.message, {
        kind: 'verification_code',
        purpose: 'add_email',
        code,
        expiresInMinutes: 15,
      });
      assert.equal(messenger.wakes, 1, 'the outbox is woken after the commit');
      const row = await database.db.selectFrom('verification_codes').selectAll().executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(code), 'the code is not stored in clear');

      const first = await check(sent.value.id, ` ${code.slice(0, 3)} ${code.slice(3)} `);
      assert.ok(first.ok, 'spaces typed inside the code are ignored');
      assert.deepEqual(
        await check(sent.value.id, code),
        { ok: false, error: { kind: 'expired' } },
        'used once',
      );

      await send('+4930123456', { purpose: 'add_phone', channel: 'sms' });
      assert.equal(messenger.sent[1]!.channel, 'sms');
    });

    test('wrong codes count down; the fifth wrong one kills the code, even for the right code after it', async () => {
      const sent = await send();
      assert.ok(sent.ok);
      const code = messenger.lastCode();
      for (let left = 4; left >= 1; left--)
        assert.deepEqual(await check(sent.value.id, wrong(code)), {
          ok: false,
          error: { kind: 'wrong_code', attemptsLeft: left },
        });
      assert.deepEqual(await check(sent.value.id, 'abc'), {
        ok: false,
        error: { kind: 'too_many_attempts' },
      });
      assert.deepEqual(await check(sent.value.id, code), { ok: false, error: { kind: 'too_many_attempts' } });
      assert.equal(service.maxAttempts, 5);
    });

    test('guesses sent all at once are each counted before any is compared', async () => {
      const sent = await send();
      assert.ok(sent.ok);
      const code = messenger.lastCode();
      // The worst interleaving, made certain: every guess reads the code before any is counted, and
      // the counts land in the order the guesses came. The right guess comes twelfth.
      const burst = 12;
      let arrived = 0;
      let release!: () => void;
      const allRead = new Promise<void>((resolve) => {
        release = resolve;
      });
      let inOrder: ReturnType<typeof storage.verificationCodes.find> = Promise.resolve(undefined);
      let counting = Promise.resolve(0);
      const codes = storage.verificationCodes;
      const racing = new VerificationService(
        {
          ...storage,
          verificationCodes: {
            ...codes,
            find: (id) => {
              const previous = inOrder;
              inOrder = (async () => {
                const found = await codes.find(id);
                if (++arrived === burst) release();
                await allRead;
                await previous;
                return found;
              })();
              return inOrder;
            },
            recordAttempt: (id) => {
              counting = counting.then(() => codes.recordAttempt(id));
              return counting;
            },
          },
        },
        messenger,
        { clock, rng: cryptoRng, key: Buffer.alloc(32, 7) },
      );
      const guess = (typed: string) =>
        racing.check({ id: sent.value.id, code: typed, purpose: 'add_email', userId, context: null });
      const guesses = await Promise.all([
        ...Array.from({ length: burst - 1 }, (_, i) => guess(wrong(String(Number(code) + i)))),
        guess(code),
      ]);
      assert.equal(guesses.filter((g) => !g.ok && g.error.kind === 'wrong_code').length, 4);
      assert.deepEqual(
        guesses.at(-1),
        { ok: false, error: { kind: 'too_many_attempts' } },
        'the twelfth is not compared',
      );
    });

    test('the right code on the last allowed try still works', async () => {
      const sent = await send();
      assert.ok(sent.ok);
      const code = messenger.lastCode();
      for (let i = 0; i < 4; i++) await check(sent.value.id, wrong(code));
      assert.ok((await check(sent.value.id, code)).ok);
    });

    test('a code expires after 15 minutes', async () => {
      const sent = await send();
      assert.ok(sent.ok);
      const code = messenger.lastCode();
      clock.advance(15 * 60_000);
      assert.deepEqual(await check(sent.value.id, code), { ok: false, error: { kind: 'expired' } });
    });

    test('sending is throttled after 5 codes an hour to one address; others are not affected', async () => {
      for (let i = 0; i < 5; i++) assert.ok((await send()).ok);
      assert.deepEqual(await send(), { ok: false, error: { kind: 'throttled' } });
      assert.equal(messenger.sent.length, 5, 'nothing is sent when throttled');
      assert.ok((await send('bob@example.org')).ok);
      clock.advance(3_600_000 + 1);
      assert.ok((await send()).ok, 'an hour later it may be sent again');
    });

    test('a code is bound to its purpose, user and context; a mismatch looks like a dead code and costs no attempt', async () => {
      const other = await storage.users.create({ localpart: 'mallory' });
      assert.ok(other.ok);
      const sent = await send('alice@example.org', {
        purpose: 'registration_email',
        userId: null,
        context: 'uid-1',
      });
      assert.ok(sent.ok);
      const code = messenger.lastCode();
      const id = sent.value.id;
      const bound = { purpose: 'registration_email', userId: null, context: 'uid-1' } as const;
      for (const mismatch of [
        { purpose: 'add_email' as const },
        { userId: other.value.id },
        { context: 'uid-2' },
        { context: null },
      ])
        assert.deepEqual(await check(id, code, { ...bound, ...mismatch }), {
          ok: false,
          error: { kind: 'expired' },
        });
      assert.deepEqual(await check('no-such-id', code, bound), { ok: false, error: { kind: 'expired' } });
      assert.ok((await check(id, code, bound)).ok);
    });
  });
}
