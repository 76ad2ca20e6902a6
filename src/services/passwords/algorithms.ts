import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import * as argon2 from '@node-rs/argon2';
import * as bcrypt from '@node-rs/bcrypt';
import { cryptoRng } from '../../domain/random.js';

const pbkdf2Async = promisify(pbkdf2);

/**
 * One password hashing algorithm. Input is the password as bytes, already normalised; `pepper` is the
 * scheme's optional secret. Every implementation runs its work on libuv's thread pool, off the event loop.
 * The way each one applies the pepper matches MAS and Synapse, so hashes move between them unchanged.
 */
export interface PasswordAlgorithm {
  hash(password: Uint8Array, pepper: Uint8Array | undefined): Promise<string>;
  verify(hash: string, password: Uint8Array, pepper: Uint8Array | undefined): Promise<boolean>;
}

const concat = (password: Uint8Array, pepper: Uint8Array | undefined): Uint8Array =>
  pepper ? Buffer.concat([password, pepper]) : password;

/** argon2id, m=19456 KiB, t=2, p=1 (OWASP's and MAS's parameters); the pepper is argon2's keyed-hash secret. */
export const argon2id: PasswordAlgorithm = {
  hash: (password, pepper) =>
    argon2.hash(password, { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32, secret: pepper }),
  verify: async (hash, password, pepper) => {
    if (!hash.startsWith('$argon2')) return false;
    try {
      return await argon2.verify(hash, password, { secret: pepper });
    } catch {
      return false; // a malformed stored hash is a failed check, not a crash
    }
  },
};

/** bcrypt `$2b$`; the pepper is appended to the password bytes, as Synapse does. Input past 72 bytes is ignored by bcrypt itself. */
export function bcryptAlgorithm(cost: number): PasswordAlgorithm {
  return {
    hash: (password, pepper) => bcrypt.hash(Buffer.from(concat(password, pepper)), cost),
    verify: async (hash, password, pepper) => {
      if (!/^\$2[abxy]\$\d\d\$/.test(hash)) return false;
      try {
        return await bcrypt.verify(Buffer.from(concat(password, pepper)), hash);
      } catch {
        return false;
      }
    },
  };
}

const PBKDF2_ROUNDS = 600_000;
const PBKDF2_LENGTH = 32;

/** PBKDF2-HMAC-SHA256, 600 000 rounds, 32 bytes, as a PHC string `$pbkdf2-sha256$i=…,l=…$salt$hash`. */
export const pbkdf2Sha256: PasswordAlgorithm = {
  hash: async (password, pepper) => {
    const salt = cryptoRng.bytes(16);
    const derived = await pbkdf2Async(concat(password, pepper), salt, PBKDF2_ROUNDS, PBKDF2_LENGTH, 'sha256');
    return `$pbkdf2-sha256$i=${PBKDF2_ROUNDS},l=${PBKDF2_LENGTH}$${b64(salt)}$${b64(derived)}`;
  },
  verify: async (hash, password, pepper) => {
    const match = /^\$pbkdf2-sha256\$i=(\d{1,7}),l=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(hash);
    if (!match) return false;
    const rounds = Number(match[1]);
    const expected = Buffer.from(match[4]!, 'base64');
    if (rounds < 1 || expected.length !== Number(match[2]) || expected.length === 0) return false;
    const derived = await pbkdf2Async(
      concat(password, pepper),
      Buffer.from(match[3]!, 'base64'),
      rounds,
      expected.length,
      'sha256',
    );
    return timingSafeEqual(derived, expected);
  },
};

// PHC strings use unpadded standard base64.
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64').replace(/=+$/, '');
