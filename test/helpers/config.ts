import { generateKeyPairSync } from 'node:crypto';
import type { ConfigFileInput } from '../../src/config/schema.js';

// Key generation is slow-ish (RSA); one pair serves every test in a process.
let keys: { rsa: string; ec: string } | undefined;

export function testKeys(): { rsa: string; ec: string } {
  keys ??= {
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
    ec: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
  };
  return keys;
}

/** A minimal valid configuration as a file would hold it; `overrides` are merged section by section. */
export function testConfig(overrides: Partial<Record<keyof ConfigFileInput, object>> = {}): ConfigFileInput {
  // Mapping sections merge key by key; list sections (clients) replace the default.
  const { rsa, ec } = testKeys();
  const base: ConfigFileInput = {
    http: { public_base: 'http://localhost:8080/', listeners: [{ binds: [{ address: '127.0.0.1:0' }] }] },
    database: { uri: 'sqlite::memory:' },
    matrix: { kind: 'none', homeserver: 'example.test' },
    secrets: { encryption: '0'.repeat(64), keys: [{ key: rsa }, { key: ec }] },
    log: { level: 'silent' },
  };
  for (const [section, value] of Object.entries(overrides)) {
    (base as Record<string, unknown>)[section] = Array.isArray(value)
      ? value
      : { ...((base as Record<string, object>)[section] ?? {}), ...value };
  }
  return base;
}
