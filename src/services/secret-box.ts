import { createCipheriv, createDecipheriv } from 'node:crypto';
import { cryptoRng, type Rng } from '../domain/random.js';

/**
 * Authenticated encryption (AES-256-GCM) with `secrets.encryption`, for values that must be stored yet be
 * readable again by mxauth only: `v1.<iv>.<ciphertext+tag>`, base64url.
 */
export class SecretBox {
  constructor(
    private readonly key: Buffer,
    private readonly rng: Rng = cryptoRng,
  ) {
    if (key.length !== 32) throw new Error('the encryption key must be 32 bytes');
  }

  seal(plaintext: string): string {
    const iv = Buffer.from(this.rng.bytes(12));
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The plaintext, or undefined when the value was not sealed with this key or was altered. */
  open(sealed: string): string | undefined {
    const [version, iv, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !body) return undefined;
    try {
      const bytes = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([
        decipher.update(bytes.subarray(0, bytes.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
