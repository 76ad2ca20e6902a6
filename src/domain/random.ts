import { randomBytes } from 'node:crypto';

/** Where randomness comes from: injected so tests can make ids and secrets repeatable. */
export interface Rng {
  bytes(length: number): Uint8Array;
}

export const cryptoRng: Rng = { bytes: (length) => randomBytes(length) };

/** A number in [0, 1) from `rng` (jitter, not secrets). */
export function randomFraction(rng: Rng): number {
  const [a = 0, b = 0, c = 0, d = 0] = rng.bytes(4);
  return (((a << 24) | (b << 16) | (c << 8) | d) >>> 0) / 2 ** 32;
}

export const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const UPPER_ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Random string over `alphabet` (at most 256 characters), each character equally likely. */
export function randomString(rng: Rng, length: number, alphabet: string): string {
  // Bytes at or above the largest multiple of the alphabet size would favour its first characters.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of rng.bytes(length)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

export const randomAlphanumeric = (rng: Rng, length: number): string =>
  randomString(rng, length, ALPHANUMERIC);
