import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { err, ok, type Result } from '../domain/result.js';

export type SigningAlgorithm = 'RS256' | 'ES256' | 'ES384';

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
}

/**
 * Reads a PEM private key and decides the JWS algorithm it signs with. RSA keys must be at least 2048 bits;
 * EC keys must be on P-256 or P-384.
 */
export function parseSigningKey(
  pem: string,
  passphrase: string | undefined,
  kid?: string,
): Result<SigningKey, string> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (e) {
    const reason = (e as Error).message;
    if (/passphrase|decrypt|bad decrypt/i.test(reason))
      return err('the key is encrypted and the password is missing or wrong');
    return err('not a PEM private key (PKCS#1, PKCS#8 or SEC1)');
  }
  const details = privateKey.asymmetricKeyDetails ?? {};
  let alg: SigningAlgorithm;
  if (privateKey.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048)
      return err(`RSA keys must be at least 2048 bits, this one is ${details.modulusLength}`);
    alg = 'RS256';
  } else if (privateKey.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') {
    alg = 'ES256';
  } else if (privateKey.asymmetricKeyType === 'ec' && details.namedCurve === 'secp384r1') {
    alg = 'ES384';
  } else {
    return err(
      `unsupported key type ${privateKey.asymmetricKeyType} ${details.namedCurve ?? ''}: use RSA, EC P-256 or EC P-384`.trim(),
    );
  }
  return ok({ kid: kid ?? jwkThumbprint(privateKey), alg, privateKey });
}

/** RFC 7638 thumbprint of the public key: a stable key id that changes only when the key does. */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const members =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
