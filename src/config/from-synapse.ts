import { parse } from 'yaml';
import { type ProviderInput, translateSynapseOidc } from './from-synapse-oidc.js';
import type { GenerateOptions } from './generate.js';

/** What a Synapse `homeserver.yaml` tells about the mxauth configuration that fits it. */
export interface SynapseFacts {
  serverName: string;
  /** How mxauth reaches Synapse's client API: its first plain-HTTP listener with the `client` resource. */
  endpoint: string | undefined;
  /** `password_config.pepper`: existing password hashes were made with it. */
  pepper: string | undefined;
  passwordsEnabled: boolean;
  /** `oidc_providers` and an enabled `oidc_config`, as mxauth upstream providers. */
  upstreamProviders: ProviderInput[];
  /** What the operator should know: what could not be carried over, naming the provider and key. */
  notes: string[];
}

/** Reads the facts mxauth needs from a Synapse configuration, or says which one is missing. */
export function readSynapseConfig(
  text: string,
): { ok: true; value: SynapseFacts } | { ok: false; error: string } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return { ok: false, error: `it is not valid YAML (${(e as Error).message.split('\n')[0]})` };
  }
  const config = (doc ?? {}) as Record<string, unknown>;
  if (typeof config.server_name !== 'string' || config.server_name === '')
    return { ok: false, error: 'it has no server_name' };
  const listeners = Array.isArray(config.listeners) ? (config.listeners as Record<string, unknown>[]) : [];
  const client = listeners.find(
    (l) =>
      (l.type ?? 'http') === 'http' &&
      !l.tls &&
      typeof l.port === 'number' &&
      Array.isArray(l.resources) &&
      (l.resources as { names?: unknown }[]).some(
        (r) => Array.isArray(r.names) && r.names.includes('client'),
      ),
  );
  let endpoint: string | undefined;
  if (client) {
    const binds = Array.isArray(client.bind_addresses) ? (client.bind_addresses as string[]) : [];
    const host = binds.find((b) => b !== '::' && b !== '0.0.0.0') ?? 'localhost';
    endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${client.port}/`;
  } else if (typeof config.public_baseurl === 'string') {
    endpoint = config.public_baseurl.endsWith('/') ? config.public_baseurl : `${config.public_baseurl}/`;
  }
  const passwordConfig = (config.password_config ?? {}) as Record<string, unknown>;
  const oidc = translateSynapseOidc(config, config.server_name);
  return {
    ok: true,
    value: {
      serverName: config.server_name,
      endpoint,
      pepper:
        typeof passwordConfig.pepper === 'string' && passwordConfig.pepper !== ''
          ? passwordConfig.pepper
          : undefined,
      passwordsEnabled: passwordConfig.enabled !== false,
      upstreamProviders: oidc.providers,
      notes: oidc.notes,
    },
  };
}

/**
 * The generator options for a Synapse: its server name and address, its password hashes kept valid, and
 * its OpenID Connect providers (same `synapse_idp_id`, so its users' links can be imported).
 */
export function generateOptionsFor(facts: SynapseFacts): Partial<GenerateOptions> {
  return {
    serverName: facts.serverName,
    ...(facts.endpoint ? { homeserverEndpoint: facts.endpoint } : {}),
    ...(facts.upstreamProviders.length > 0 ? { upstreamProviders: facts.upstreamProviders } : {}),
    // Synapse's bcrypt hashes (NFKC-normalised, peppered) stay valid as scheme 1; new ones are argon2id.
    passwordSchemes: [
      {
        version: 1,
        algorithm: 'bcrypt',
        unicode_normalization: true,
        ...(facts.pepper ? { secret: facts.pepper } : {}),
      },
      { version: 2, algorithm: 'argon2id' },
    ],
  };
}

/** What to paste into homeserver.yaml so Synapse delegates to this mxauth. */
export function synapseSnippet(mxauthEndpoint: string, secret: string): string {
  return [
    '# Add to homeserver.yaml (Synapse >= 1.136), then restart Synapse:',
    'matrix_authentication_service:',
    '  enabled: true',
    `  endpoint: ${JSON.stringify(mxauthEndpoint)}`,
    `  secret: ${JSON.stringify(secret)}`,
    '',
  ].join('\n');
}
