import type { ServerMetadata } from 'openid-client';
import type { UpstreamProvider } from '../../config/upstream.js';
import { err, ok, type Result } from '../../domain/result.js';
import { type UpstreamFailure, unreachable } from './failure.js';

/** The largest discovery document read (real ones are a few kB). */
const MAX_METADATA_BYTES = 256 * 1024;

/**
 * The provider's metadata: discovered at `<issuer>/.well-known/openid-configuration` (unless discovery is
 * disabled), checked as `discovery_mode` says, with the configured endpoints winning over discovered ones.
 */
export async function providerMetadata(
  provider: UpstreamProvider,
  timeoutMs: number,
): Promise<Result<ServerMetadata, UpstreamFailure>> {
  const overrides = endpointOverrides(provider);
  if (provider.discoveryMode === 'disabled') {
    // Without discovery there is no issuer to learn; an ID token (if any) is checked against the
    // configured one, and a provider without one gets a stand-in no token can claim.
    const issuer = provider.issuer ?? `urn:mxauth:upstream:${provider.id}`;
    return ok({ issuer, ...overrides });
  }
  const issuer = provider.issuer!;
  const url = new URL('.well-known/openid-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    return err(unreachable(`discovery at ${url.href}`, e));
  }
  if (!response.ok) {
    await response.body?.cancel();
    return err({ kind: 'bad_response', detail: `discovery at ${url.href} answered HTTP ${response.status}` });
  }
  const text = await readLimited(response, MAX_METADATA_BYTES);
  let document: unknown;
  try {
    document = text === undefined ? undefined : JSON.parse(text);
  } catch {
    document = undefined;
  }
  if (!document || typeof document !== 'object' || Array.isArray(document))
    return err({ kind: 'bad_response', detail: `discovery at ${url.href} is not a JSON object` });
  const metadata = document as Record<string, unknown>;
  const problem =
    provider.discoveryMode === 'oidc' ? strictProblem(metadata, issuer) : insecureProblem(metadata);
  if (problem) return err({ kind: 'bad_response', detail: `discovery at ${url.href}: ${problem}` });
  return ok({ ...(metadata as ServerMetadata), ...overrides });
}

function endpointOverrides(provider: UpstreamProvider): Partial<ServerMetadata> {
  const { endpoints } = provider;
  const out: { -readonly [K in keyof ServerMetadata]?: ServerMetadata[K] } = {};
  if (endpoints.authorization) out.authorization_endpoint = endpoints.authorization;
  if (endpoints.token) out.token_endpoint = endpoints.token;
  if (endpoints.jwks) out.jwks_uri = endpoints.jwks;
  if (endpoints.userinfo) out.userinfo_endpoint = endpoints.userinfo;
  if (endpoints.endSession) out.end_session_endpoint = endpoints.endSession;
  return out;
}

/** `insecure`: only that the fields a sign-in needs are there. */
function insecureProblem(metadata: Record<string, unknown>): string | undefined {
  for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'])
    if (typeof metadata[field] !== 'string') return `${field} is missing`;
  for (const field of [
    'response_types_supported',
    'subject_types_supported',
    'id_token_signing_alg_values_supported',
  ])
    if (!Array.isArray(metadata[field])) return `${field} is missing`;
  return undefined;
}

/**
 * `oidc`: as `insecure`, plus the issuer is exactly the configured one, every endpoint is https (plain
 * http only on a loopback host, for a provider on the same machine), `openid` is a supported scope when
 * scopes are listed, and no signing algorithm list offers `none`.
 */
function strictProblem(metadata: Record<string, unknown>, issuer: string): string | undefined {
  const basic = insecureProblem(metadata);
  if (basic) return basic;
  if (metadata.issuer !== issuer) return `its issuer ${String(metadata.issuer)} is not ${issuer}`;
  const urls = [
    'issuer',
    'authorization_endpoint',
    'token_endpoint',
    'jwks_uri',
    'userinfo_endpoint',
    'end_session_endpoint',
    'revocation_endpoint',
    'introspection_endpoint',
    'registration_endpoint',
    'pushed_authorization_request_endpoint',
  ];
  for (const field of urls) {
    const value = metadata[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !URL.canParse(value)) return `${field} is not a URL`;
    const url = new URL(value);
    if (!secureTransport(url)) return `${field} is not https`;
    if (url.hash !== '') return `${field} has a fragment`;
    if (field === 'issuer' && url.search !== '') return 'issuer has a query';
  }
  const scopes = metadata.scopes_supported;
  if (Array.isArray(scopes) && !scopes.includes('openid')) return 'scopes_supported lacks openid';
  for (const [field, value] of Object.entries(metadata))
    if (field.endsWith('_signing_alg_values_supported') && Array.isArray(value) && value.includes('none'))
      return `${field} offers none`;
  return undefined;
}

export function secureTransport(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopback(url.hostname);
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

async function readLimited(response: Response, limit: number): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
