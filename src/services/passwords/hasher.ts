import { argon2id, bcryptAlgorithm, type PasswordAlgorithm, pbkdf2Sha256 } from './algorithms.js';

export type PasswordAlgorithmName = 'argon2id' | 'bcrypt' | 'pbkdf2';

export interface PasswordScheme {
  version: number;
  algorithm: PasswordAlgorithmName;
  /** bcrypt cost factor. */
  cost: number;
  /** Pepper: bytes mixed into every hash of this scheme; kept in the config, never in the database. */
  secret?: Uint8Array;
  /** NFKC-normalise the password first, as Synapse does; needed to verify hashes imported from it. */
  unicodeNormalization: boolean;
}

export interface StoredPassword {
  version: number;
  hash: string;
}

export type PasswordCheck = 'valid' | 'invalid' | 'valid_needs_upgrade';

/**
 * Hashes with the newest scheme (the highest version) and verifies with whichever scheme a stored hash
 * was made by, so operators can move to a new algorithm or pepper without resetting anyone's password.
 */
export class PasswordHasher {
  readonly #schemes: Map<number, { scheme: PasswordScheme; algorithm: PasswordAlgorithm }>;
  readonly #current: PasswordScheme;
  #dummy: Promise<StoredPassword> | undefined;

  constructor(schemes: PasswordScheme[]) {
    if (schemes.length === 0) throw new Error('at least one password scheme is needed');
    this.#schemes = new Map();
    for (const scheme of schemes) {
      if (this.#schemes.has(scheme.version))
        throw new Error(`password scheme version ${scheme.version} is listed twice`);
      this.#schemes.set(scheme.version, { scheme, algorithm: algorithmFor(scheme) });
    }
    this.#current = [...schemes].sort((a, b) => b.version - a.version)[0]!;
  }

  get currentVersion(): number {
    return this.#current.version;
  }

  async hash(password: string): Promise<StoredPassword> {
    const { scheme, algorithm } = this.#schemes.get(this.#current.version)!;
    return { version: scheme.version, hash: await algorithm.hash(encode(password, scheme), scheme.secret) };
  }

  async verify(stored: StoredPassword, password: string): Promise<PasswordCheck> {
    const entry = this.#schemes.get(stored.version);
    // A hash whose scheme was removed from the config cannot be checked: the user must reset the password.
    if (!entry) return 'invalid';
    const valid = await entry.algorithm.verify(
      stored.hash,
      encode(password, entry.scheme),
      entry.scheme.secret,
    );
    if (!valid) return 'invalid';
    return stored.version === this.#current.version ? 'valid' : 'valid_needs_upgrade';
  }

  /**
   * Spends the same work as a real check, for accounts that do not exist or have no password, so the
   * response time does not reveal which usernames are taken.
   */
  async verifyNothing(password: string): Promise<void> {
    this.#dummy ??= this.hash('mxauth timing equaliser');
    await this.verify(await this.#dummy, password);
  }
}

function algorithmFor(scheme: PasswordScheme): PasswordAlgorithm {
  switch (scheme.algorithm) {
    case 'argon2id':
      return argon2id;
    case 'bcrypt':
      return bcryptAlgorithm(scheme.cost);
    case 'pbkdf2':
      return pbkdf2Sha256;
  }
}

function encode(password: string, scheme: PasswordScheme): Uint8Array {
  return Buffer.from(scheme.unicodeNormalization ? password.normalize('NFKC') : password, 'utf8');
}
