import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDeviceId, parseMatrixScope } from '../../src/domain/matrix-scopes.js';
import { cryptoRng } from '../../src/domain/random.js';

test('Matrix scopes are read in either spelling', () => {
  assert.deepEqual(parseMatrixScope('openid urn:matrix:client:api:* urn:matrix:client:device:ABCDEF'), {
    ok: true,
    value: { api: true, admin: false, deviceId: 'ABCDEF', flavour: 'stable', others: ['openid'] },
  });
  assert.deepEqual(
    parseMatrixScope(
      'urn:matrix:org.matrix.msc2967.client:api:* urn:matrix:org.matrix.msc2967.client:device:x.y urn:synapse:admin:*',
    ),
    { ok: true, value: { api: true, admin: true, deviceId: 'x.y', flavour: 'unstable', others: [] } },
  );
  assert.deepEqual(parseMatrixScope('openid email'), {
    ok: true,
    value: { api: false, admin: false, deviceId: undefined, flavour: undefined, others: ['openid', 'email'] },
  });
});

test('two devices, mixed spellings and bad device ids are refused', () => {
  assert.deepEqual(parseMatrixScope('urn:matrix:client:device:A urn:matrix:client:device:B'), {
    ok: false,
    error: { kind: 'several_devices' },
  });
  assert.deepEqual(
    parseMatrixScope('urn:matrix:client:api:* urn:matrix:org.matrix.msc2967.client:device:A'),
    {
      ok: false,
      error: { kind: 'mixed_flavours' },
    },
  );
  for (const bad of ['', 'a"b', 'a\\b', 'é', 'x'.repeat(256)])
    assert.deepEqual(parseMatrixScope(`urn:matrix:client:device:${bad}`), {
      ok: false,
      error: { kind: 'invalid_device_id', deviceId: bad },
    });
  assert.ok(parseMatrixScope(`urn:matrix:client:device:${'x'.repeat(255)}`).ok);
});

test('generated device ids are 10 upper-case letters and digits', () => {
  const ids = Array.from({ length: 200 }, () => generateDeviceId(cryptoRng));
  assert.ok(ids.every((id) => /^[A-Z0-9]{10}$/.test(id)));
  assert.equal(new Set(ids).size, ids.length);
});
