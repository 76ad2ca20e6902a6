import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import { parseMatrixScope } from '../domain/matrix-scopes.js';
import type { Storage } from '../storage/storage.js';
import type { IntrospectionCache } from './introspection-cache.js';
import { introspectionScope } from './matrix-resource.js';
import { findActiveToken } from './token-lookup.js';

export interface IntrospectionDependencies {
  config: Config;
  storage: Storage;
  clock: Clock;
  cache: IntrospectionCache;
}

const INACTIVE = { active: false } as const;
const BODY_LIMIT = 16 * 1024;

/**
 * Token introspection as Synapse calls it (RFC 7662 with Matrix fields), authenticated by the shared
 * secret. It is the hot path (every homeserver request may cause one), so it is a plain Node handler in
 * front of the Koa app: the shared-secret check, one indexed lookup of the token's hash (or the cache),
 * the owner's state, and the answer. Returns the status it sent.
 */
export function introspectionHandler(
  deps: IntrospectionDependencies,
): (req: IncomingMessage, res: ServerResponse) => Promise<number> {
  const secretDigest = deps.config.matrix.secret ? digest(deps.config.matrix.secret) : undefined;
  // RFC 7662 §2.1: confidential clients of the operator's config may introspect too.
  const clientSecrets: ClientSecrets = new Map(
    deps.config.clients
      .filter((c) => c.secret !== undefined)
      .map((c) => [c.clientId, { method: c.authMethod, digest: digest(c.secret!) }]),
  );
  const unauthorized = (res: ServerResponse) =>
    send(
      res,
      401,
      {
        error: 'invalid_client',
        error_description: 'introspection needs the homeserver shared secret (Bearer) or client credentials',
      },
      { 'www-authenticate': 'Bearer realm="mxauth", Basic realm="mxauth"' },
    );
  return async (req, res) => {
    const header = req.headers.authorization;
    if (header && !authorized(header, secretDigest, clientSecrets)) return unauthorized(res);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded')
      return send(res, 400, {
        error: 'invalid_request',
        error_description: 'the body must be application/x-www-form-urlencoded',
      });
    const body = await readBody(req);
    if (body === undefined)
      return send(res, 413, { error: 'invalid_request', error_description: 'the request body is too large' });
    const form = new URLSearchParams(body);
    if (!header && !postedClientValid(form, clientSecrets)) return unauthorized(res);
    const token = form.get('token');
    if (!token)
      return send(res, 400, {
        error: 'invalid_request',
        error_description: 'the token parameter is missing',
      });
    // The homeserver (shared secret) asks about tokens presented to it: only access tokens of a user
    // count. Refresh tokens are never for resource servers (RFC 6749 §1.5).
    const homeserver = header !== undefined && /^Bearer\s/i.test(header);
    return send(
      res,
      200,
      await introspect(deps, token, form.get('token_type_hint') ?? undefined, homeserver),
    );
  };
}

async function introspect(
  deps: IntrospectionDependencies,
  token: string,
  hint: string | undefined,
  homeserver: boolean,
): Promise<object> {
  const models = homeserver
    ? (['AccessToken'] as const)
    : hint === 'refresh_token'
      ? (['RefreshToken', 'AccessToken', 'ClientCredentials'] as const)
      : (['AccessToken', 'ClientCredentials', 'RefreshToken'] as const);
  const found = await findActiveToken(deps.storage, deps.clock, token, models, deps.cache);
  if (!found || (homeserver && !found.user)) return INACTIVE;
  const { payload: p, user, now, model } = found;
  const common = {
    active: true,
    client_id: p.clientId,
    token_type: model === 'RefreshToken' ? 'refresh_token' : 'access_token',
    iat: p.iat,
    ...(p.exp !== undefined ? { exp: p.exp, expires_in: p.exp - now } : {}),
    iss: deps.config.http.issuer,
  };
  // Client credentials: a client acting for itself, no Matrix user.
  if (!user) return { ...common, scope: p.scope ?? '' };
  const scope = p.scope ?? '';
  const parsed = parseMatrixScope(scope);
  return {
    ...common,
    // Admin rights taken away since the grant end the admin scope at once.
    scope: introspectionScope(scope, user.canRequestAdmin),
    sub: user.id,
    username: user.localpart,
    ...(parsed.ok && parsed.value.deviceId ? { device_id: parsed.value.deviceId } : {}),
    ...(p.aud ? { aud: p.aud } : {}),
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): number {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(json);
  return status;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

type ClientSecrets = Map<string, { method: string; digest: Buffer }>;

/**
 * The homeserver's Bearer secret, or HTTP Basic client credentials (RFC 6749 §2.3.1: form-encoded id and
 * secret). Secrets are compared in constant time, hashed to one length first.
 */
function authorized(header: string, secretDigest: Buffer | undefined, clients: ClientSecrets): boolean {
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return secretDigest !== undefined && timingSafeEqual(digest(bearer[1]!.trim()), secretDigest);
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return false;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return false;
  try {
    const id = decodeURIComponent(decoded.slice(0, colon));
    const secret = decodeURIComponent(decoded.slice(colon + 1));
    return clientMatches(clients, id, secret, 'client_secret_basic');
  } catch {
    return false;
  }
}

function postedClientValid(form: URLSearchParams, clients: ClientSecrets): boolean {
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  return id !== null && secret !== null && clientMatches(clients, id, secret, 'client_secret_post');
}

function clientMatches(clients: ClientSecrets, id: string, secret: string, method: string): boolean {
  const client = clients.get(id);
  // Hash even for unknown clients, so timing does not tell which client ids exist.
  const given = digest(secret);
  return client !== undefined && client.method === method && timingSafeEqual(given, client.digest);
}
