import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { cryptoRng, randomAlphanumeric } from '../domain/random.js';
import type { ProviderInput } from './from-synapse-oidc.js';
import type { ConfigFileInput } from './schema.js';
import { jwkThumbprint } from './signing-keys.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface GenerateOptions {
  publicBase?: string;
  serverName?: string;
  databaseUri?: string;
  /** The public listener: discovery, the pages, OAuth, the compatibility API and assets. */
  listen?: string;
  /** The internal listener, for health checks and Prometheus only: loopback, as MAS's defaults have it. */
  internalListen?: string;
  /** `email.transport`; absent keeps the default (`blackhole`). The first start's config uses `log`. */
  mailTransport?: 'log';
  matrixKind?: 'synapse' | 'synapse_legacy' | 'none';
  homeserverEndpoint?: string;
  passwordRegistration?: boolean;
  /** `passwords.schemes`; one argon2id scheme by default. */
  passwordSchemes?: Record<string, unknown>[];
  /** `upstream_oauth2.providers`; none by default. */
  upstreamProviders?: ProviderInput[];
}

/** A complete configuration with fresh secrets and keys; it passes `mxauth config check` as it is. */
export async function generateConfig(options: GenerateOptions = {}): Promise<ConfigFileInput> {
  const [rsa, ec] = await Promise.all([
    generateKeyPairAsync('rsa', { modulusLength: 2048 }),
    generateKeyPairAsync('ec', { namedCurve: 'P-256' }),
  ]);
  const pem = (key: typeof rsa.privateKey) => key.export({ format: 'pem', type: 'pkcs8' }).toString();
  return {
    http: {
      public_base: options.publicBase ?? 'http://localhost:8080/',
      listeners: [
        {
          name: 'web',
          resources: ['discovery', 'human', 'oauth', 'compat', 'assets'],
          binds: [{ address: options.listen ?? '[::]:8080' }],
        },
        {
          name: 'internal',
          resources: ['health', 'prometheus'],
          binds: [{ address: options.internalListen ?? '127.0.0.1:8081' }],
          // /health and /metrics at the root whatever public_base's path: the probes' URLs stay fixed.
          prefix: '/',
        },
      ],
    },
    database: { uri: options.databaseUri ?? 'sqlite:mxauth.db' },
    matrix: {
      kind: options.matrixKind ?? 'synapse',
      homeserver: options.serverName ?? 'localhost:8008',
      endpoint: options.homeserverEndpoint ?? 'http://localhost:8008/',
      secret: randomAlphanumeric(cryptoRng, 48),
    },
    secrets: {
      encryption: Buffer.from(cryptoRng.bytes(32)).toString('hex'),
      keys: [
        { kid: jwkThumbprint(rsa.privateKey).slice(0, 12), key: pem(rsa.privateKey) },
        { kid: jwkThumbprint(ec.privateKey).slice(0, 12), key: pem(ec.privateKey) },
      ],
    },
    passwords: {
      enabled: true,
      schemes: (options.passwordSchemes ?? [{ version: 1, algorithm: 'argon2id' }]) as never,
      minimum_complexity: 3,
    },
    account: { password_registration_enabled: options.passwordRegistration ?? false },
    ...(options.mailTransport ? { email: { transport: options.mailTransport } } : {}),
    ...(options.upstreamProviders?.length
      ? { upstream_oauth2: { providers: options.upstreamProviders } }
      : {}),
  };
}

export function configToYaml(config: ConfigFileInput): string {
  return [
    '# mxauth configuration. Every key is described in docs/configuration.md;',
    '# `mxauth config check` validates this file. It holds secrets: keep it private (mode 600).',
    stringify(config, { lineWidth: 0 }),
  ].join('\n');
}
