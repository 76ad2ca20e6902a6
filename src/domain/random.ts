import { randomBytes } from 'node:crypto';

/** Where randomness comes from: injected so tests can make ids and secrets repeatable. */
export interface Rng {
  bytes(length: number): Uint8Array;
}

export const cryptoRng: Rng = { bytes: (length) => randomBytes(length) };

/** URL-safe random string with `bytes` bytes of entropy. */
export function randomToken(rng: Rng, bytes = 32): string {
  return Buffer.from(rng.bytes(bytes)).toString('base64url');
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random string over [A-Za-z0-9], without modulo bias. */
export function randomAlphanumeric(rng: Rng, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of rng.bytes(length)) {
      // 248 = 4 * 62: bytes at or above it would favour the first characters.
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}
