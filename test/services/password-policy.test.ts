import assert from 'node:assert/strict';
import test from 'node:test';
import { guessableInputs, newPasswordProblem } from '../../src/domain/password-policy.js';

const POLICY = { enabled: true, minimumComplexity: 3 };
const ALICE = { localpart: 'alice', displayName: 'Alice Liddell', emails: ['wonder@example.org'] };

test('the localpart, display name and every address count as guessable, in that order', () => {
  assert.deepEqual(guessableInputs(ALICE), ['alice', 'Alice Liddell', 'wonder@example.org']);
  assert.deepEqual(guessableInputs({ localpart: 'bob' }), ['bob', '']);
});

test('a password built from any of the account details is weak, unless an admin overrides the complexity', () => {
  const details = {
    localpart: 'zqvbrmxtrelvash',
    displayName: 'Quornigal',
    emails: ['gnorflewibbet@example.org'],
  };
  for (const password of ['zqvbrmxtrelvash!', 'Quornigal77', 'gnorflewibbet@example.org1']) {
    assert.equal(newPasswordProblem(POLICY, password, { localpart: 'bob' }), undefined, password);
    assert.equal(newPasswordProblem(POLICY, password, details)?.kind, 'weak_password', password);
    assert.equal(
      newPasswordProblem(POLICY, password, details, { ignoreComplexity: true }),
      undefined,
      password,
    );
  }
});

test('no new password is accepted while passwords are off, and none is empty even with the override', () => {
  assert.deepEqual(newPasswordProblem({ ...POLICY, enabled: false }, 'x', ALICE), {
    kind: 'passwords_disabled',
  });
  assert.equal(newPasswordProblem(POLICY, '', ALICE, { ignoreComplexity: true })?.kind, 'weak_password');
});
