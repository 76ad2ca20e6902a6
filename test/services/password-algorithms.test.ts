import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PasswordHasher, type PasswordScheme } from '../../src/services/passwords/hasher.js';

const scheme = (s: Partial<PasswordScheme> & Pick<PasswordScheme, 'algorithm'>): PasswordScheme => ({
  version: 1,
  cost: 4,
  unicodeNormalization: false,
  ...s,
});

test('pbkdf2 reads PHC strings made elsewhere (RFC 7914-style vector: "password", salt "salt", 1 round)', async () => {
  const hasher = new PasswordHasher([scheme({ algorithm: 'pbkdf2' })]);
  const digest = Buffer.from('120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b', 'hex');
  const phc = `$pbkdf2-sha256$i=1,l=32$c2FsdA$${digest.toString('base64').replace(/=+$/, '')}`;
  assert.equal(await hasher.verify({ version: 1, hash: phc }, 'password'), 'valid');
  assert.equal(await hasher.verify({ version: 1, hash: phc }, 'Password'), 'invalid');
});

test('each algorithm round-trips, and the pepper is part of the hash', async () => {
  for (const algorithm of ['argon2id', 'bcrypt', 'pbkdf2'] as const) {
    const peppered = new PasswordHasher([scheme({ algorithm, secret: Buffer.from('pepper') })]);
    const other = new PasswordHasher([scheme({ algorithm, secret: Buffer.from('other') })]);
    const stored = await peppered.hash('hunter2 but longer');
    assert.equal(await peppered.verify(stored, 'hunter2 but longer'), 'valid', algorithm);
    assert.equal(await peppered.verify(stored, 'hunter2'), 'invalid', algorithm);
    assert.equal(
      await other.verify(stored, 'hunter2 but longer'),
      'invalid',
      `${algorithm}: another pepper fails`,
    );
  }
});

test('a stored hash of an unknown scheme version, or a corrupt one, fails closed', async () => {
  const hasher = new PasswordHasher([scheme({ algorithm: 'argon2id' })]);
  assert.equal(await hasher.verify({ version: 7, hash: '$argon2id$whatever' }, 'x'), 'invalid');
  assert.equal(await hasher.verify({ version: 1, hash: '$argon2id$v=19$garbage' }, 'x'), 'invalid');
  assert.equal(await hasher.verify({ version: 1, hash: '' }, 'x'), 'invalid');
});

test('duplicate scheme versions are refused', () => {
  assert.throws(
    () => new PasswordHasher([scheme({ algorithm: 'argon2id' }), scheme({ algorithm: 'bcrypt' })]),
    /twice/,
  );
});
