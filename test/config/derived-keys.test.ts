import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveKey, KEY_LABELS } from '../../src/config/derived-keys.js';

const config = { secrets: { encryption: Buffer.alloc(32, 1) } } as Parameters<typeof deriveKey>[0];

test('each purpose has its own key', () => {
  const keys = Object.values(KEY_LABELS).map((label) => deriveKey(config, label).toString('hex'));
  assert.equal(new Set(keys).size, keys.length);
  for (const key of keys) assert.equal(key.length, 64);
});

test('keys are what earlier versions derived: what they sealed and signed still opens', () => {
  // Vectors computed with the derivation as first shipped; a change here strands stored data.
  assert.equal(
    deriveKey(config, KEY_LABELS.csrf).toString('hex'),
    'b0f98f5b229dcf5c20e66e047cca4fdd89193e529b9a2462c438f40674e4e321',
  );
  assert.equal(
    deriveKey(config, KEY_LABELS.termsCookie).toString('hex'),
    'f6e888e9d76b877a7ba82e774adeb50a54b3dda35aaa0f24cf0d39a5958d18de',
  );
});
