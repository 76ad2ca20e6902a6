import { crc32 } from 'node:zlib';
import { ALPHANUMERIC, type Rng, randomString } from './random.js';

/**
 * Tokens of the compatibility login API (legacy Matrix clients): a type prefix, 30 random base62
 * characters (178 bits), and a CRC-32 checksum in base62, as `mct_<random>_<check>`. The prefix tells a
 * compat token from an OAuth one at a glance (and to secret scanners); the checksum lets a typo or a
 * truncated paste be refused without a database lookup.
 */
export type CompatTokenKind = 'access' | 'refresh' | 'login';

const PREFIX: Record<CompatTokenKind, string> = { access: 'mct_', refresh: 'mcr_', login: 'mcl_' };
const BODY = 30;
const CHECK = 6;

export function newCompatToken(rng: Rng, kind: CompatTokenKind): string {
  const body = `${PREFIX[kind]}${randomString(rng, BODY, ALPHANUMERIC)}`;
  return `${body}_${checksum(body)}`;
}

/** True when `token` is well formed for `kind`: the prefix, the length, the alphabet and the checksum. */
export function isCompatToken(token: string, kind: CompatTokenKind): boolean {
  const prefix = PREFIX[kind];
  if (token.length !== prefix.length + BODY + 1 + CHECK || !token.startsWith(prefix)) return false;
  const body = token.slice(0, prefix.length + BODY);
  if (!/^[A-Za-z0-9]+$/.test(body.slice(prefix.length))) return false;
  return token.slice(-CHECK - 1) === `_${checksum(body)}`;
}

function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < CHECK; i++) {
    out = ALPHANUMERIC[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}
