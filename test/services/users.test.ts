import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import { NoHomeserver } from '../../src/homeserver/none.js';
import { Outbox } from '../../src/jobs/outbox.js';
import { JobWorker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/observability/logger.js';
import { PasswordHasher, type PasswordScheme } from '../../src/services/passwords/hasher.js';
import { UserService } from '../../src/services/users.js';
import type { Database } from '../../src/storage/database.js';
import { createStorage, type Storage } from '../../src/storage/storage.js';
import { DATABASE_KINDS, openMigrated } from '../helpers/databases.js';

const STRONG = 'correct horse battery staple';

// Synapse hashed bcrypt(NFKC(password) ‖ pepper). This is the published OpenBSD bcrypt vector for "U*U",
// standing in for a Synapse hash of the password "U＊" (fullwidth asterisk) with the pepper "U".
const SYNAPSE_STYLE_HASH = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
const synapseScheme: PasswordScheme = {
  version: 1,
  algorithm: 'bcrypt',
  cost: 12,
  secret: Buffer.from('U'),
  unicodeNormalization: true,
};
const argonScheme: PasswordScheme = {
  version: 2,
  algorithm: 'argon2id',
  cost: 12,
  unicodeNormalization: false,
};

for (const kind of DATABASE_KINDS) {
  describe(`user accounts [${kind}]`, () => {
    let database: Database;
    let storage: Storage;
    let users: UserService;

    before(async () => {
      database = await openMigrated(kind);
      storage = createStorage(database, new ManualClock(), cryptoRng);
      const clock = new ManualClock();
      const worker = new JobWorker(storage, {}, { logger: createLogger('silent'), clock, rng: cryptoRng });
      users = new UserService(
        storage,
        new PasswordHasher([synapseScheme, argonScheme]),
        new NoHomeserver('example.test'),
        new Outbox(worker, false),
        {
          serverName: 'example.test',
          passwordsEnabled: true,
          minimumComplexity: 3,
        },
      );
    });
    after(() => database.close());

    test('a registered user signs in with the password, not with another', async () => {
      const registered = await users.register({
        localpart: 'alice',
        password: STRONG,
        email: 'alice@Example.ORG',
        displayName: 'Alice',
        canRequestAdmin: true,
      });
      assert.ok(registered.ok, JSON.stringify(registered));
      const stored = await storage.passwords.active(registered.value.id);
      assert.equal(stored?.version, 2, 'new passwords use the newest scheme');
      assert.match(stored!.hashedPassword, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.doesNotMatch(stored!.hashedPassword, /horse/);

      const signedIn = await users.checkPassword('alice', STRONG);
      assert.ok(signedIn.ok);
      assert.equal(signedIn.value.localpart, 'alice');
      assert.deepEqual(await users.checkPassword('alice', `${STRONG}!`), {
        ok: false,
        error: { kind: 'invalid_credentials' },
      });
      assert.deepEqual(await users.checkPassword('nobody', STRONG), {
        ok: false,
        error: { kind: 'invalid_credentials' },
      });
      assert.deepEqual(
        (await storage.emails.listForUser(registered.value.id)).map((e) => [e.email, e.confirmedAt !== null]),
        [['alice@example.org', true]],
      );
    });

    test('a weak password is refused with the reason', async () => {
      const result = await users.register({ localpart: 'weak', password: 'password123' });
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.error.kind === 'weak_password');
      assert.match(result.error.reason, /too weak \(\d\/4, at least 3 needed\)/);
      assert.equal(await storage.users.findByLocalpart('weak'), undefined, 'nothing was created');
      // A password made of the username is weak for that user.
      const own = await users.register({ localpart: 'zanzibarquokka', password: 'zanzibarquokka1' });
      assert.ok(!own.ok && own.error.kind === 'weak_password');
    });

    test('the admin can override the complexity policy', async () => {
      const result = await users.register({
        localpart: 'bot',
        password: 'password123',
        ignoreComplexity: true,
      });
      assert.ok(result.ok);
      assert.ok((await users.checkPassword('bot', 'password123')).ok);
    });

    test('bad usernames and addresses are refused before anything is written', async () => {
      const cases = [
        [{ localpart: 'Alice' }, 'invalid_localpart'],
        [{ localpart: 'a b' }, 'invalid_localpart'],
        [{ localpart: 'x'.repeat(250) }, 'invalid_localpart'],
        [{ localpart: 'alice' }, 'localpart_taken'],
        [{ localpart: 'mailer', email: 'not-an-address' }, 'invalid_email'],
        [{ localpart: 'mailer', email: 'ALICE@example.org' }, 'email_taken'],
      ] as const;
      for (const [input, kind] of cases) {
        const result = await users.register(input);
        assert.ok(!result.ok && result.error.kind === kind, `${JSON.stringify(input)} → ${kind}`);
      }
      assert.equal(await storage.users.findByLocalpart('mailer'), undefined);
    });

    test('a Synapse bcrypt hash (pepper, NFKC) verifies and is upgraded to argon2id', async () => {
      const created = await storage.users.create({ localpart: 'imported' });
      assert.ok(created.ok);
      const old = await storage.passwords.add({
        userId: created.value.id,
        hashedPassword: SYNAPSE_STYLE_HASH,
        version: 1,
      });

      assert.deepEqual(await users.checkPassword('imported', 'U*x'), {
        ok: false,
        error: { kind: 'invalid_credentials' },
      });
      assert.equal(
        (await storage.passwords.active(created.value.id))?.id,
        old.id,
        'a failed check upgrades nothing',
      );

      assert.ok((await users.checkPassword('imported', 'U＊')).ok);
      const upgraded = await storage.passwords.active(created.value.id);
      assert.equal(upgraded?.version, 2);
      assert.equal(upgraded?.upgradedFromId, old.id);
      assert.match(upgraded!.hashedPassword, /^\$argon2id\$/);
      assert.ok((await users.checkPassword('imported', 'U＊')).ok, 'the upgraded hash verifies too');
    });

    test('a locked account is told apart only once the password is right', async () => {
      await users.register({ localpart: 'carol', password: STRONG });
      assert.ok((await users.setLocked('carol', true)).ok);
      const wrong = await users.checkPassword('carol', 'nope');
      assert.deepEqual(wrong, { ok: false, error: { kind: 'invalid_credentials' } });
      const right = await users.checkPassword('carol', STRONG);
      assert.ok(!right.ok && right.error.kind === 'locked');
      await users.setLocked('carol', false);
      assert.ok((await users.checkPassword('carol', STRONG)).ok);
      assert.deepEqual(await users.setLocked('nobody', true), { ok: false, error: { kind: 'unknown_user' } });
    });

    test('set-password replaces the password and applies the policy', async () => {
      await users.register({ localpart: 'dave', password: STRONG });
      const weak = await users.setPassword('dave', 'dave1234');
      assert.ok(!weak.ok && weak.error.kind === 'weak_password');
      assert.ok((await users.setPassword('dave', 'purple elephant juggling sunsets')).ok);
      assert.ok(!(await users.checkPassword('dave', STRONG)).ok);
      assert.ok((await users.checkPassword('dave', 'purple elephant juggling sunsets')).ok);
      assert.deepEqual(await users.setPassword('nobody', STRONG), {
        ok: false,
        error: { kind: 'unknown_user' },
      });
    });
  });
}
