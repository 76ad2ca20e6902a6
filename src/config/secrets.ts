import type { PasswordScheme } from '../services/passwords/hasher.js';
import type { Resolution } from './resolution.js';
import type { ConfigFile } from './schema.js';
import { parseSigningKey, type SigningKey } from './signing-keys.js';

/** The key that encrypts secrets at rest: 32 bytes as 64 hex characters. */
export function encryptionKey(file: ConfigFile, r: Resolution): Buffer {
  const hex = r.secret(file.secrets, 'encryption', 'secrets', true)?.trim();
  if (hex === undefined) return Buffer.alloc(0);
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  r.at('secrets.encryption')(
    'must be 32 bytes written as 64 hex characters (mxauth config generate makes one)',
  );
  return Buffer.alloc(0);
}

/** The token signing keys: distinct ids, and the RS256 and ES256 keys OpenID Connect clients expect. */
export function signingKeys(file: ConfigFile, r: Resolution): SigningKey[] {
  const keys: SigningKey[] = [];
  file.secrets.keys.forEach((entry, i) => {
    const where = `secrets.keys.${i}`;
    const pem = r.secret(entry, 'key', where, true);
    const passphrase = r.secret(entry, 'password', where, false);
    if (pem === undefined) return;
    const key = parseSigningKey(pem, passphrase, entry.kid);
    if (!key.ok) r.at(`${where}.key`)(key.error);
    else if (keys.some((k) => k.kid === key.value.kid))
      r.at(`${where}.kid`)(`key id "${key.value.kid}" is used twice`);
    else keys.push(key.value);
  });
  if (!keys.some((k) => k.alg === 'RS256'))
    r.at('secrets.keys')('needs at least one RSA key (RS256 is mandatory in OpenID Connect)');
  if (!keys.some((k) => k.alg === 'ES256')) r.at('secrets.keys')('needs at least one EC P-256 key (ES256)');
  return keys;
}

/** The password hashing schemes, one per version, each with its pepper read as bytes. */
export function passwordSchemes(file: ConfigFile, r: Resolution): PasswordScheme[] {
  const schemes: PasswordScheme[] = [];
  file.passwords.schemes.forEach((scheme, i) => {
    const where = `passwords.schemes.${i}`;
    if (schemes.some((s) => s.version === scheme.version))
      r.at(`${where}.version`)(`version ${scheme.version} is used by another scheme`);
    const pepper = r.secret(scheme, 'secret', where, false, true);
    schemes.push({
      version: scheme.version,
      algorithm: scheme.algorithm,
      cost: scheme.cost,
      secret: pepper === undefined ? undefined : Buffer.from(pepper, 'utf8'),
      unicodeNormalization: scheme.unicode_normalization,
    });
  });
  return schemes;
}
