import type { Clock } from './clock.js';
import type { Rng } from './random.js';

// Crockford's base32, as the ULID spec requires: sortable as text, no ambiguous letters.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const MAX_TIME = 2 ** 48 - 1;
const MAX_RANDOM = (1n << 80n) - 1n;

/**
 * Makes ULIDs: 48 bits of milliseconds then 80 bits of randomness, 26 characters that sort by creation.
 * Ids made by one generator within the same millisecond (or while the clock steps back) increment the
 * previous one instead, so they still sort in creation order: the outbox relies on that.
 */
export function ulidGenerator(clock: Clock, rng: Rng): () => string {
  let lastTime = -1;
  let lastRandom = 0n;
  return () => {
    const time = clock.now().getTime();
    if (!Number.isInteger(time) || time < 0 || time > MAX_TIME)
      throw new RangeError(`time out of ULID range: ${time}`);
    if (time > lastTime) {
      lastTime = time;
      lastRandom = randomBits(rng);
    } else if (lastRandom < MAX_RANDOM) {
      lastRandom += 1n;
    } else {
      lastTime += 1; // 2^80 ids in one millisecond: borrow the next one
      lastRandom = randomBits(rng);
    }
    return encode(BigInt(lastTime), TIME_CHARS) + encode(lastRandom, RANDOM_CHARS);
  };
}

function randomBits(rng: Rng): bigint {
  let bits = 0n;
  for (const byte of rng.bytes(10)) bits = (bits << 8n) | BigInt(byte);
  // Leave headroom so increments within a millisecond rarely overflow into the next one.
  return bits >> 1n;
}

function encode(value: bigint, chars: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[Number(v & 31n)] + out;
    v >>= 5n;
  }
  return out;
}

export function isUlid(value: string): boolean {
  return /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/.test(value);
}

/** The creation time encoded in a ULID. */
export function ulidTime(id: string): Date {
  let t = 0;
  for (const char of id.slice(0, TIME_CHARS)) t = t * 32 + ALPHABET.indexOf(char);
  return new Date(t);
}
