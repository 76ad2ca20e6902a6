import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config.js';
import { parseMatrixScope } from '../domain/matrix-scopes.js';
import type { FastPath } from '../http/app.js';
import { type OAuthProblem, oauthError } from '../http/errors/oauth.js';
import { BODY_LIMITS } from '../http/read-body.js';
import type { RepeatedLog } from '../observability/repeated-log.js';
import { introspectionScope } from './matrix-resource.js';
import type { ActiveToken, TokenLookup } from './token-lookup.js';

export interface IntrospectionDependencies {
  config: Config;
  tokens: TokenLookup;
  /**
   * Where a refused homeserver secret and an unreachable database are logged: both repeat on every
   * request until an operator acts, so each is logged once a minute with a count, not once a request.
   */
  log?: RepeatedLog;
}

const INACTIVE = { active: false } as const;
const BODY_LIMIT = BODY_LIMITS.introspection;

/**
 * Token introspection as Synapse calls it (RFC 7662 with Matrix fields), authenticated by the shared
 * secret. It is the hot path (every homeserver request may cause one), so it is a plain Node handler in
 * front of the Koa app: the shared-secret check, one indexed lookup of the token's hash (or the cache),
 * the owner's state, and the answer. Returns the status it sent.
 */
export function introspectionHandler(deps: IntrospectionDependencies): FastPath['handle'] {
  const secret = deps.config.matrix.secret ? Buffer.from(deps.config.matrix.secret) : undefined;
  // RFC 7662 §2.1: confidential clients of the operator's config may introspect too.
  const clientSecrets: ClientSecrets = new Map(
    deps.config.clients
      .filter((c) => c.secret !== undefined)
      .map((c) => [c.clientId, { method: c.authMethod, digest: digest(c.secret!) }]),
  );
  const unauthorized = (res: ServerResponse) =>
    refuse(res, {
      kind: 'client_unauthenticated',
      description: 'introspection needs the homeserver shared secret (Bearer) or client credentials',
      challenge: 'Bearer realm="mxauth", Basic realm="mxauth"',
    });
  const unavailable = (res: ServerResponse, error: unknown) => {
    deps.log?.log(
      'error',
      'introspection-database',
      { err: error },
      'introspection cannot read the database: answering 503 until it is back (is the database up and reachable from here?)',
    );
    // 503, not 500: the homeserver tells its client to try again, and nothing is wrong with the token.
    return refuse(res, {
      kind: 'unavailable',
      description: 'the token store cannot be reached; try again',
      retryAfterSeconds: 1,
    });
  };
  return (req, res, stats, done) => {
    const header = req.headers.authorization;
    if (header && !authorized(header, secret, clientSecrets)) {
      if (/^Bearer\s/i.test(header))
        deps.log?.log(
          'warn',
          'introspection-bearer-refused',
          { ip: req.socket.remoteAddress },
          secret === undefined
            ? 'introspection refused a Bearer secret: matrix.secret is not set here (matrix.kind none?) while the homeserver sends one'
            : "introspection refused the homeserver's Bearer secret: matrix_authentication_service.secret (or the contents of secret_path) in homeserver.yaml must equal matrix.secret (or the contents of matrix.secret_file) here; every request of that homeserver gets 401 until they match",
        );
      return done(unauthorized(res));
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded')
      return done(
        refuse(res, { kind: 'malformed', description: 'the body must be application/x-www-form-urlencoded' }),
      );
    readBody(req, (error, body) => {
      if (error) return done(500, error);
      if (body === undefined) return done(refuse(res, { kind: 'too_large' }));
      const form = new URLSearchParams(body);
      if (!header && !postedClientValid(form, clientSecrets)) return done(unauthorized(res));
      const token = form.get('token');
      if (!token)
        return done(refuse(res, { kind: 'malformed', description: 'the token parameter is missing' }));
      // The homeserver (shared secret) asks about tokens presented to it: only access tokens of a user
      // count. Refresh tokens are never for resource servers (RFC 6749 §1.5).
      const homeserver = header !== undefined && /^Bearer\s/i.test(header);
      const hint = form.get('token_type_hint');
      const models = homeserver ? HOMESERVER_MODELS : hint === 'refresh_token' ? REFRESH_FIRST : ACCESS_FIRST;
      deps.tokens.lookup(token, models, stats, (error, found) => {
        if (error) return done(unavailable(res, error));
        deps.log?.resolved('introspection-database', 'introspection reads the database again');
        try {
          if (!found || (homeserver && !found.user)) return done(send(res, 200, INACTIVE));
          const { json, bytes } = answer(deps, found);
          done(send(res, 200, json, {}, bytes));
        } catch (error) {
          done(500, error);
        }
      });
    });
  };
}

const HOMESERVER_MODELS = ['AccessToken'] as const;
const REFRESH_FIRST = ['RefreshToken', 'AccessToken', 'ClientCredentials'] as const;
const ACCESS_FIRST = ['AccessToken', 'ClientCredentials', 'RefreshToken'] as const;

/**
 * The answer as JSON, with its length in bytes. Everything but `expires_in` stays the same for a token
 * as long as it is cached (payload and owner are the cached objects, and any change to either drops the
 * entry), so that part is rendered once and kept in the cache's memo.
 */
function answer(deps: IntrospectionDependencies, found: ActiveToken): { json: string; bytes: number } {
  const { memo } = found;
  let head = memo?.rendered;
  let headBytes = memo?.renderedBytes ?? 0;
  if (head === undefined) {
    head = JSON.stringify(answerFields(deps, found)).slice(0, -1);
    headBytes = Buffer.byteLength(head);
    if (memo) {
      memo.rendered = head;
      memo.renderedBytes = headBytes;
    }
  }
  const { exp } = found.payload;
  // The tail is ASCII: its length is its size.
  const tail = exp === undefined ? '}' : `,"expires_in":${exp - found.now}}`;
  return { json: head + tail, bytes: headBytes + tail.length };
}

function answerFields(deps: IntrospectionDependencies, found: ActiveToken): Record<string, unknown> {
  const { payload: p, user, model } = found;
  const answer: Record<string, unknown> = {
    active: true,
    client_id: p.clientId,
    token_type: model === 'RefreshToken' ? 'refresh_token' : 'access_token',
    iat: p.iat,
  };
  if (p.exp !== undefined) answer.exp = p.exp;
  answer.iss = deps.config.http.issuer;
  const scope = p.scope ?? '';
  // Client credentials: a client acting for itself, no Matrix user.
  if (!user) {
    answer.scope = scope;
    return answer;
  }
  const parsed = parseMatrixScope(scope);
  // Admin rights taken away since the grant end the admin scope at once.
  answer.scope = parsed.ok
    ? introspectionScope(parsed.value, user.canRequestAdmin || p.operatorAdmin === true)
    : scope;
  answer.sub = user.id;
  answer.username = user.localpart;
  if (parsed.ok && parsed.value.deviceId) answer.device_id = parsed.value.deviceId;
  if (p.aud) answer.aud = p.aud;
  return answer;
}

/** An error answer (http/errors/oauth.ts), written as fast as the answers are. */
function refuse(res: ServerResponse, problem: OAuthProblem): number {
  const { status, body, headers } = oauthError(problem);
  return send(res, status, body, headers);
}

function send(
  res: ServerResponse,
  status: number,
  body: object | string,
  headers: Record<string, string> = {},
  bytes?: number,
): number {
  const json = typeof body === 'string' ? body : JSON.stringify(body);
  // A flat list is the cheapest form of headers for Node to write.
  const list = [
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(bytes ?? Buffer.byteLength(json)),
    'cache-control',
    'no-store',
  ];
  for (const [name, value] of Object.entries(headers)) list.push(name, value);
  res.writeHead(status, list);
  // A string body goes out in one write with the header block (a Buffer would make a second chunk).
  res.end(json);
  return status;
}

/** The body as text, or undefined when it is over the limit; calls back once. */
function readBody(req: IncomingMessage, done: (error: unknown, body: string | undefined) => void) {
  if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) {
    req.resume();
    return done(undefined, undefined);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (error: unknown, body: string | undefined) => {
    if (settled) return;
    settled = true;
    done(error, body);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= BODY_LIMIT) return void chunks.push(chunk);
    req.off('data', onData);
    req.resume();
    settle(undefined, undefined);
  };
  req.on('data', onData);
  req.once('end', () =>
    settle(
      undefined,
      chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
    ),
  );
  req.once('error', (error) => settle(error, undefined));
}

function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

type ClientSecrets = Map<string, { method: string; digest: Buffer }>;

/**
 * The homeserver's Bearer secret, or HTTP Basic client credentials (RFC 6749 §2.3.1: form-encoded id and
 * secret). Secrets are compared in constant time. The shared secret is compared as it is (hashing it on
 * every homeserver request costs more than the rest of the check), so its length can show in the timing,
 * as with Synapse's own `compare_digest`; client secrets are hashed to one length first.
 */
function authorized(header: string, secret: Buffer | undefined, clients: ClientSecrets): boolean {
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) {
    const given = Buffer.from(bearer[1]!.trim());
    return secret !== undefined && given.length === secret.length && timingSafeEqual(given, secret);
  }
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
