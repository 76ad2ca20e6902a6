import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import type { User } from '../../src/domain/user.js';
import { NoHomeserver } from '../../src/homeserver/none.js';
import { Outbox } from '../../src/jobs/outbox.js';
import { JobWorker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/observability/logger.js';
import { LoginLimits } from '../../src/services/login-limits.js';
import { PasswordHasher } from '../../src/services/passwords/hasher.js';
import {
  LocalPasswordBackend,
  type SignInIdentifier,
  type SignInResult,
  SignInService,
} from '../../src/services/sign-in.js';
import { UserService } from '../../src/services/users.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

const PASSWORD = 'correct horse battery staple';
const SERVER = 'example.test';
const ADDRESS = '192.0.2.1';

for (const kind of DATABASE_KINDS) {
  describe(`sign-in service [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    let users: UserService;
    let clock: ManualClock;
    let alice: User;

    /** A service with fresh limits: `perAccount` wrong passwords per account, `perIp` per address. */
    const service = (options: { perIp?: number; perAccount?: number; loginWithEmail?: boolean } = {}) =>
      new SignInService({
        storage,
        limits: new LoginLimits(
          {
            perIp: { burst: options.perIp ?? 100, perSecond: 0.01 },
            perAccount: { burst: options.perAccount ?? 100, perSecond: 0.01 },
          },
          clock,
        ),
        passwords: new LocalPasswordBackend(users),
        serverName: SERVER,
        loginWithEmail: options.loginWithEmail ?? true,
      });
    const as = (identifier: SignInIdentifier, password = PASSWORD, address = ADDRESS) => ({
      identifier,
      password,
      address,
    });
    const signedInAs = (result: SignInResult) => (result.ok ? result.user.localpart : result.problem);

    before(async () => {
      database = await openMigrated(kind);
      clock = new ManualClock();
      storage = createStorage(database, clock, cryptoRng);
      const worker = new JobWorker(storage, {}, { logger: createLogger('silent'), clock, rng: cryptoRng });
      users = new UserService(
        storage,
        new PasswordHasher([{ version: 1, algorithm: 'pbkdf2', cost: 12, unicodeNormalization: false }]),
        new NoHomeserver(SERVER),
        new Outbox(worker, false),
        { serverName: SERVER, passwordsEnabled: true, minimumComplexity: 3 },
      );
      for (const localpart of ['alice', 'lou', 'dee', 'nomail', 'mixed']) {
        const registered = await users.register({
          localpart,
          password: PASSWORD,
          ...(localpart === 'nomail'
            ? {}
            : { email: localpart === 'mixed' ? 'Mixed@Example.ORG' : `${localpart}@example.org` }),
        });
        assert.ok(registered.ok, JSON.stringify(registered));
      }
      alice = (await storage.users.findByLocalpart('alice'))!;
      const unverified = await storage.emails.add({
        userId: alice.id,
        email: 'unverified@example.org',
        confirmed: false,
      });
      assert.ok(unverified.ok);
      assert.ok((await users.setLocked('lou', true)).ok);
      assert.ok((await users.deactivate('dee', { erase: false })).ok);
    });
    after(() => database.close());
    beforeEach(() => {
      clock.advance(0);
    });

    test('each identifier kind names the account: localpart, user id, verified email', async () => {
      const signIn = service();
      for (const identifier of [
        { kind: 'user', value: 'alice' },
        { kind: 'user', value: ' Alice ' },
        { kind: 'user', value: '@alice:example.test' },
        { kind: 'typed', value: 'alice' },
        { kind: 'typed', value: '@ALICE:example.test' },
        { kind: 'typed', value: 'alice@example.org' },
        { kind: 'email', value: 'alice@example.org' },
        // The compatibility API lowered the whole address, the page kept it as typed: both rules hold.
        { kind: 'typed', value: 'ALICE@example.org' },
        { kind: 'email', value: ' ALICE@EXAMPLE.ORG ' },
      ] as const) {
        const result = await signIn.signIn(as(identifier));
        assert.deepEqual(result, {
          ok: true,
          user: result.ok ? result.user : undefined,
          secondFactorDue: false,
        });
        assert.equal(signedInAs(result), 'alice', JSON.stringify(identifier));
      }
      // An address stored with capitals in its local part (domains are stored lowered).
      for (const value of ['Mixed@example.org', 'Mixed@EXAMPLE.org'])
        for (const kind of ['email', 'typed'] as const)
          assert.equal(signedInAs(await signIn.signIn(as({ kind, value }))), 'mixed', value);
    });

    test('what names nobody, and a wrong password, are one answer', async () => {
      const signIn = service();
      for (const [identifier, password] of [
        [{ kind: 'user', value: 'alice' }, 'wrong password'],
        [{ kind: 'user', value: 'nobody' }, PASSWORD],
        [{ kind: 'user', value: '@alice:elsewhere.test' }, PASSWORD],
        // An email address is not a localpart, and a user id is not an email address.
        [{ kind: 'user', value: 'alice@example.org' }, PASSWORD],
        [{ kind: 'email', value: '@alice:example.test' }, PASSWORD],
        [{ kind: 'email', value: 'unverified@example.org' }, PASSWORD],
        [{ kind: 'typed', value: 'unverified@example.org' }, PASSWORD],
        [{ kind: 'email', value: 'NOMAIL@example.org' }, PASSWORD],
        [{ kind: 'user', value: 'alice' }, 'x'.repeat(1025)],
      ] as const) {
        assert.deepEqual(await signIn.signIn(as(identifier, password)), {
          ok: false,
          problem: 'unknown_or_wrong',
        });
      }
    });

    test('with email sign-in off, an address names nobody', async () => {
      const result = await service({ loginWithEmail: false }).signIn(
        as({ kind: 'email', value: 'alice@example.org' }),
      );
      assert.deepEqual(result, { ok: false, problem: 'unknown_or_wrong' });
      assert.equal(
        signedInAs(await service({ loginWithEmail: false }).signIn(as({ kind: 'user', value: 'alice' }))),
        'alice',
      );
    });

    test('control characters and overlong identifiers are refused before any lookup or limit', async () => {
      const signIn = service({ perIp: 1 });
      for (const value of ['a\u0000b@example.org', 'ali\u0000ce', 'alice\t', 'al\u007fice', 'a'.repeat(513)])
        for (const kind of ['user', 'email', 'typed'] as const)
          assert.deepEqual(await signIn.signIn(as({ kind, value })), { ok: false, problem: 'invalid_input' });
      // None of them used the address's single attempt.
      assert.equal(
        signedInAs(await signIn.signIn(as({ kind: 'user', value: 'alice' }, 'wrong'))),
        'unknown_or_wrong',
      );
    });

    test('a locked or deactivated account is told only to someone who knows its password', async () => {
      const signIn = service();
      assert.deepEqual(await signIn.signIn(as({ kind: 'user', value: 'lou' }, 'wrong')), {
        ok: false,
        problem: 'unknown_or_wrong',
      });
      const locked = await signIn.signIn(as({ kind: 'user', value: 'lou' }));
      assert.equal(locked.ok ? 'ok' : locked.problem, 'locked');
      assert.equal(!locked.ok && 'user' in locked ? locked.user.localpart : undefined, 'lou');
      assert.equal(
        signedInAs(await signIn.signIn(as({ kind: 'user', value: 'dee' }, 'wrong'))),
        'unknown_or_wrong',
      );
      assert.equal(signedInAs(await signIn.signIn(as({ kind: 'user', value: 'dee' }))), 'deactivated');
    });

    test('the per-account limit counts wrong passwords only, by the account whichever way it is named', async () => {
      const signIn = service({ perAccount: 3 });
      assert.equal(
        signedInAs(await signIn.signIn(as({ kind: 'user', value: 'alice' }, 'wrong'))),
        'unknown_or_wrong',
      );
      assert.equal(
        signedInAs(await signIn.signIn(as({ kind: 'email', value: 'alice@example.org' }, 'wrong'))),
        'unknown_or_wrong',
      );
      // A right password gives its attempt back.
      for (let i = 0; i < 5; i++)
        assert.equal(signedInAs(await signIn.signIn(as({ kind: 'user', value: 'alice' }))), 'alice');
      assert.equal(
        signedInAs(await signIn.signIn(as({ kind: 'typed', value: '@alice:example.test' }, 'wrong'))),
        'unknown_or_wrong',
      );
      const limited = await signIn.signIn(as({ kind: 'user', value: 'alice' }, PASSWORD, '192.0.2.99'));
      assert.equal(limited.ok ? 'ok' : limited.problem, 'limited');
      assert.equal(!limited.ok && limited.problem === 'limited' ? limited.by : undefined, 'account');
      assert.ok(!limited.ok && limited.problem === 'limited' && limited.retryAfterMs > 0);
      // Another account is not held; a browser known to alice has a budget of its own.
      assert.equal(signedInAs(await signIn.signIn(as({ kind: 'user', value: 'nomail' }))), 'nomail');
      const known = await signIn.signIn({
        ...as({ kind: 'user', value: 'alice' }),
        knownBrowser: (id) => (id === alice.id ? 'browser-1' : undefined),
      });
      assert.equal(signedInAs(known), 'alice');
      // Names of nobody are limited by what was typed.
      for (let i = 0; i < 3; i++)
        assert.equal(
          signedInAs(await signIn.signIn(as({ kind: 'user', value: 'ghost' }))),
          'unknown_or_wrong',
        );
      assert.equal(signedInAs(await signIn.signIn(as({ kind: 'user', value: 'ghost' }))), 'limited');
    });

    test('the per-address limit holds across accounts, and a right password is not counted', async () => {
      const signIn = service({ perIp: 2 });
      assert.equal(signedInAs(await signIn.signIn(as({ kind: 'user', value: 'alice' }))), 'alice');
      assert.equal(
        signedInAs(await signIn.signIn(as({ kind: 'user', value: 'alice' }, 'wrong'))),
        'unknown_or_wrong',
      );
      assert.equal(
        signedInAs(await signIn.signIn(as({ kind: 'user', value: 'nomail' }, 'wrong'))),
        'unknown_or_wrong',
      );
      const limited = await signIn.signIn(as({ kind: 'user', value: 'alice' }));
      assert.equal(!limited.ok && limited.problem === 'limited' ? limited.by : undefined, 'address');
      assert.equal(
        signedInAs(await signIn.signIn(as({ kind: 'user', value: 'alice' }, PASSWORD, '192.0.2.2'))),
        'alice',
      );
      // Time gives attempts back.
      clock.advance(200_000);
      assert.equal(signedInAs(await signIn.signIn(as({ kind: 'user', value: 'alice' }))), 'alice');
    });

    test('re-authentication checks the signed-in account under the same limits', async () => {
      const signIn = service({ perAccount: 1 });
      assert.equal(
        signedInAs(await signIn.reauthenticate({ user: alice, password: PASSWORD, address: ADDRESS })),
        'alice',
      );
      assert.equal(
        signedInAs(await signIn.reauthenticate({ user: alice, password: 'wrong', address: ADDRESS })),
        'unknown_or_wrong',
      );
      assert.equal(
        signedInAs(await signIn.reauthenticate({ user: alice, password: PASSWORD, address: ADDRESS })),
        'limited',
      );
      // The sign-in of the same account shares that limit.
      assert.equal(signedInAs(await signIn.signIn(as({ kind: 'user', value: 'alice' }))), 'limited');
      assert.equal(
        signedInAs(
          await signIn.reauthenticate({
            user: alice,
            password: PASSWORD,
            address: ADDRESS,
            knownBrowser: 'browser-1',
          }),
        ),
        'alice',
      );
    });

    test('a re-authentication whose attempt the caller reserved gets the same checks, and gives it back when right', async () => {
      const signIn = service();
      let givenBack = 0;
      const reserved = { succeeded: () => givenBack++ };
      const check = (password: string) =>
        signIn.reauthenticateReserved({ user: alice, password, attempt: reserved });
      assert.equal(signedInAs(await check('wrong')), 'unknown_or_wrong');
      assert.equal(
        signedInAs(await check('x'.repeat(10_000))),
        'unknown_or_wrong',
        'overlong: no hash spent',
      );
      assert.equal(givenBack, 0, 'wrong passwords keep the attempt');
      assert.equal(signedInAs(await check(PASSWORD)), 'alice');
      assert.equal(givenBack, 1);
    });

    test('an appservice login resolves its identifier without the limits', async () => {
      const signIn = service({ perIp: 1 });
      for (let i = 0; i < 3; i++) {
        assert.equal(await signIn.localpartOf({ kind: 'user', value: '@Alice:example.test' }), 'alice');
        assert.equal(await signIn.localpartOf({ kind: 'email', value: 'alice@example.org' }), 'alice');
        assert.equal(await signIn.localpartOf({ kind: 'user', value: '@alice:elsewhere.test' }), undefined);
      }
    });
  });
}
