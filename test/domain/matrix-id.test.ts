import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeLocalpartProblem,
  localpartFromInput,
  validateLocalpart,
} from '../../src/domain/matrix-id.js';

test('localparts follow the spec grammar', () => {
  for (const ok of ['alice', 'a.b_c=d-e/f+g', '0', 'x'.repeat(200)])
    assert.ok(validateLocalpart(ok, 'example.org').ok, ok);
  assert.deepEqual(validateLocalpart('', 'example.org'), { ok: false, error: { kind: 'empty' } });
  assert.deepEqual(validateLocalpart('Ali ce!', 'example.org'), {
    ok: false,
    error: { kind: 'invalid_characters', characters: ['A', ' ', '!'] },
  });
  assert.deepEqual(validateLocalpart('ä', 'example.org'), {
    ok: false,
    error: { kind: 'invalid_characters', characters: ['ä'] },
  });
});

test('the whole user id stays within 255 bytes', () => {
  const server = 'example.org'; // @ + : + 11 = 13 bytes
  assert.ok(validateLocalpart('x'.repeat(242), server).ok);
  const tooLong = validateLocalpart('x'.repeat(243), server);
  assert.deepEqual(tooLong, { ok: false, error: { kind: 'too_long', maxLength: 242 } });
  assert.match(describeLocalpartProblem(tooLong.ok ? { kind: 'empty' } : tooLong.error), /at most 242/);
});

test('a full user id of this server gives its localpart; another server is refused', () => {
  assert.deepEqual(localpartFromInput('alice', 'example.org'), { ok: true, value: 'alice' });
  assert.deepEqual(localpartFromInput('@alice:example.org', 'example.org'), { ok: true, value: 'alice' });
  assert.deepEqual(localpartFromInput('@alice:evil.org', 'example.org'), {
    ok: false,
    error: 'other_server',
  });
  assert.deepEqual(localpartFromInput('@bob:localhost:8448', 'localhost:8448'), { ok: true, value: 'bob' });
});
