import Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import { localpartFromInput, userId, validateLocalpart } from '../domain/matrix-id.js';
import type { User } from '../domain/user.js';
import { userStatus } from '../domain/user.js';
import { readBody } from '../http/read-body.js';
import { controlCharacterMessage, findControlCharacter } from '../http/text-guard.js';
import type { CompatGrant, CompatSessionService } from '../services/compat-sessions.js';
import type { LoginAttempt, LoginLimits } from '../services/login-limits.js';
import type { UserService } from '../services/users.js';
import type { Storage } from '../storage/storage.js';

/** What the login endpoint needs to know about application services (see src/compat/appservices.ts). */
export interface AppserviceAuth<A = unknown> {
  authenticate(token: string): A | undefined;
  mayLogin(appservice: A, localpart: string): boolean;
  /** Some appservice may use the login (MSC4190 turns it off; `appservice_login` turns it back on). */
  readonly loginOffered: boolean;
  loginAllowed(appservice: A): boolean;
}

export interface CompatLoginDependencies {
  config: Config;
  users: UserService;
  storage: Storage;
  compat: CompatSessionService;
  loginLimits: LoginLimits;
  appservices?: AppserviceAuth;
}

const VERSIONS = ['v3', 'r0'] as const;
const JSON_LIMIT = 64 * 1024;

/** A Matrix error answer: `{errcode, error}` with the right status. */
class MatrixError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * The login API of the Matrix client-server spec for clients that do not speak OAuth (ARCHITECTURE §7):
 * the reverse proxy routes the login, logout and refresh paths of `/_matrix/client/` here (Synapse answers them 404
 * once it delegates authentication).
 */
export function compatLoginRoutes(deps: CompatLoginDependencies): Router {
  const { config, users, storage, compat } = deps;
  const router = new Router();
  const serverName = config.matrix.homeserver;

  const handle = (fn: (ctx: Context) => Promise<void>) => async (ctx: Context) => {
    cors(ctx);
    ctx.set('Cache-Control', 'no-store');
    try {
      await fn(ctx);
    } catch (e) {
      if (!(e instanceof MatrixError)) throw e;
      ctx.status = e.status;
      ctx.body = { errcode: e.errcode, error: e.message, ...e.extra };
    }
  };

  for (const version of VERSIONS) {
    const base = `/_matrix/client/${version}`;
    router.get(
      `${base}/login`,
      handle(async (ctx) => {
        const flows: Record<string, unknown>[] = [];
        if (config.passwords.enabled) flows.push({ type: 'm.login.password' });
        flows.push({ type: 'm.login.token' });
        flows.push({
          type: 'm.login.sso',
          identity_providers: [],
          oauth_aware_preferred: true,
          'org.matrix.msc3824.delegated_oidc_compatibility': true,
        });
        if (deps.appservices?.loginOffered) flows.push({ type: 'm.login.application_service' });
        ctx.body = { flows };
      }),
    );

    router.post(
      `${base}/login`,
      handle(async (ctx) => {
        const body = await readJson(ctx);
        const type = body.type;
        if (typeof type !== 'string') throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing the login type');
        const user = await authenticate(ctx, type, body);
        const status = userStatus(user);
        if (status === 'locked')
          throw new MatrixError(401, 'M_USER_LOCKED', 'This account has been locked', { soft_logout: false });
        if (status === 'deactivated')
          throw new MatrixError(403, 'M_USER_DEACTIVATED', 'This account has been deactivated');
        const deviceId = optionalString(body, 'device_id');
        // Capped as renames are: the homeserver may refuse longer names.
        const displayName = optionalString(body, 'initial_device_display_name')?.slice(0, 100);
        if (deviceId !== undefined && !/^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/.test(deviceId))
          throw new MatrixError(
            400,
            'M_INVALID_PARAM',
            'device_id must be 1–255 printable ASCII characters without spaces',
          );
        const granted = await compat.login({
          user,
          ...(deviceId !== undefined ? { deviceId } : {}),
          ...(displayName !== undefined ? { displayName } : {}),
          refresh: body.refresh_token === true,
          origin:
            type === 'm.login.token'
              ? 'token'
              : type === 'm.login.application_service'
                ? 'appservice'
                : 'password',
          ip: ctx.state.clientAddress ?? null,
          userAgent: ctx.get('user-agent') || null,
        });
        if (!granted.ok)
          throw new MatrixError(
            503,
            'M_UNKNOWN',
            'The homeserver could not be reached to set up this device; try again',
          );
        ctx.body = {
          user_id: userId(user.localpart, serverName),
          device_id: granted.value.session.deviceId,
          home_server: serverName,
          ...tokenFields(granted.value),
        };
      }),
    );

    router.post(
      `${base}/logout`,
      handle(async (ctx) => {
        const session = await compat.sessionOf(accessToken(ctx));
        if (!session) throw unknownToken();
        await compat.end(session);
        ctx.body = {};
      }),
    );

    router.post(
      `${base}/logout/all`,
      handle(async (ctx) => {
        const session = await compat.sessionOf(accessToken(ctx));
        if (!session) throw unknownToken();
        await compat.endAll(session.userId);
        ctx.body = {};
      }),
    );

    router.post(
      `${base}/refresh`,
      handle(async (ctx) => {
        const body = await readJson(ctx);
        const token = body.refresh_token;
        if (typeof token !== 'string') throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing refresh_token');
        const refreshed = await compat.refresh(token, ctx.state.clientAddress ?? null);
        if (!refreshed.ok) throw unknownToken();
        ctx.body = tokenFields(refreshed.value);
      }),
    );

    for (const path of ['/login', '/logout', '/logout/all', '/refresh'])
      router.options(`${base}${path}`, (ctx) => {
        cors(ctx);
        ctx.status = 204;
      });
  }

  return router;

  /** Who is signing in, by login type; throws the Matrix error the client should see. */
  async function authenticate(ctx: Context, type: string, body: Record<string, unknown>): Promise<User> {
    switch (type) {
      case 'm.login.password': {
        if (!config.passwords.enabled) throw new MatrixError(400, 'M_UNKNOWN', 'Password login is disabled');
        const password = body.password;
        if (typeof password !== 'string') throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing password');
        const localpart = await localpartOf(body);
        const attempt = allowed(
          deps.loginLimits.attempt({
            address: ctx.state.clientAddress,
            account: localpart ?? identifierKey(body),
          }),
        );
        // An unknown user costs a full password check too, so timing does not tell who exists.
        const checked = await users.checkPassword(localpart ?? '', password);
        const right = checked.ok
          ? checked.value
          : checked.error.kind !== 'invalid_credentials' && checked.error.user;
        if (!right) throw new MatrixError(403, 'M_FORBIDDEN', 'Invalid username or password');
        // A right password (of a locked account too) does not count against the limits.
        attempt.succeeded();
        return right;
      }
      case 'm.login.token': {
        const token = body.token;
        if (typeof token !== 'string') throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing token');
        const attempt = allowed(deps.loginLimits.addressAttempt(ctx.state.clientAddress));
        const owner = await compat.redeemLoginToken(token);
        const user = owner && (await storage.users.findById(owner));
        if (!user) throw new MatrixError(403, 'M_FORBIDDEN', 'Invalid or expired login token');
        attempt.succeeded();
        return user;
      }
      case 'm.login.application_service': {
        const appservices = deps.appservices;
        if (!appservices?.loginOffered) throw appserviceLoginUnsupported();
        const appservice = appservices.authenticate(accessToken(ctx));
        if (!appservice) throw unknownToken();
        if (!appservices.loginAllowed(appservice)) throw appserviceLoginUnsupported();
        const localpart = await localpartOf(body);
        if (localpart !== undefined && !validateLocalpart(localpart, serverName).ok)
          throw new MatrixError(400, 'M_INVALID_USERNAME', 'The user id is not a valid Matrix user id');
        if (!localpart || !appservices.mayLogin(appservice, localpart))
          throw new MatrixError(
            403,
            'M_FORBIDDEN',
            "The user is not in the application service's exclusive namespace",
          );
        return users.ensureAppserviceUser(localpart);
      }
      default:
        throw new MatrixError(400, 'M_UNKNOWN', `Unknown login type ${type}`);
    }
  }

  /** The localpart a login names: `identifier` (m.id.user, or an email with m.id.thirdparty) or the old `user`. */
  async function localpartOf(body: Record<string, unknown>): Promise<string | undefined> {
    const identifier = body.identifier as Record<string, unknown> | undefined;
    if (identifier !== undefined && (typeof identifier !== 'object' || identifier === null))
      throw new MatrixError(400, 'M_BAD_JSON', 'identifier must be an object');
    if (identifier?.type === 'm.id.thirdparty') {
      if (identifier.medium !== 'email' || typeof identifier.address !== 'string')
        throw new MatrixError(
          400,
          'M_UNKNOWN',
          'Only email addresses are supported as third-party identifiers',
        );
      if (!config.account.login_with_email_allowed) return undefined;
      const email = await storage.emails.findByAddress(identifier.address.trim().toLowerCase());
      const owner = email?.confirmedAt ? await storage.users.findById(email.userId) : undefined;
      return owner?.localpart;
    }
    if (identifier !== undefined && identifier.type !== 'm.id.user')
      throw new MatrixError(400, 'M_UNKNOWN', `Unknown identifier type ${String(identifier.type)}`);
    const given = identifier ? identifier.user : body.user;
    if (typeof given !== 'string')
      throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing the user identifier');
    const localpart = localpartFromInput(given.trim(), serverName);
    return localpart.ok ? localpart.value.toLowerCase() : undefined;
  }
}

function identifierKey(body: Record<string, unknown>): string {
  const identifier = body.identifier as Record<string, unknown> | undefined;
  return String(identifier?.user ?? identifier?.address ?? body.user ?? '');
}

/** MSC4190: with the OAuth 2.0 API, appservices create their devices through the homeserver. */
function appserviceLoginUnsupported(): MatrixError {
  return new MatrixError(
    400,
    'M_APPSERVICE_LOGIN_UNSUPPORTED',
    'm.login.application_service is not supported: create devices through the homeserver (MSC4190)',
  );
}

/** The attempt when the limits allow it; the Matrix 429 otherwise. */
function allowed(attempt: LoginAttempt): Extract<LoginAttempt, { ok: true }> {
  if (attempt.ok) return attempt;
  throw new MatrixError(
    429,
    'M_LIMIT_EXCEEDED',
    attempt.by === 'account'
      ? 'Too many wrong passwords for this account; wait, or sign in from a browser that signed in to it before'
      : 'Too many attempts; wait a moment',
    { retry_after_ms: attempt.retryAfterMs },
  );
}

function tokenFields(grant: CompatGrant): Record<string, unknown> {
  return {
    access_token: grant.accessToken,
    ...(grant.refreshToken ? { refresh_token: grant.refreshToken, expires_in_ms: grant.expiresInMs } : {}),
  };
}

function unknownToken(): MatrixError {
  return new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Unknown or expired access token', { soft_logout: false });
}

/** The access token of the request: the Authorization header, or the deprecated `access_token` parameter. */
function accessToken(ctx: Context): string {
  const header = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
  const token =
    header?.[1] ?? (typeof ctx.query.access_token === 'string' ? ctx.query.access_token : undefined);
  if (!token) throw new MatrixError(401, 'M_MISSING_TOKEN', 'Missing access token');
  return token;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new MatrixError(400, 'M_BAD_JSON', `${key} must be a string`);
  return value;
}

async function readJson(ctx: Context): Promise<Record<string, unknown>> {
  const raw = await readBody(ctx.req, ctx.res, JSON_LIMIT);
  if (raw === undefined) throw new MatrixError(413, 'M_TOO_LARGE', 'The request body is too large');
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new MatrixError(400, 'M_NOT_JSON', 'The request body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new MatrixError(400, 'M_BAD_JSON', 'The request body must be a JSON object');
  // Every field of the body, before any is looked up (PostgreSQL refuses NUL in text: a 500 otherwise).
  const bad = findControlCharacter(body);
  if (bad !== undefined) throw new MatrixError(400, 'M_INVALID_PARAM', controlCharacterMessage(bad));
  return body as Record<string, unknown>;
}

/** Matrix client-server API CORS: any origin, as the spec asks of homeservers. */
function cors(ctx: Context): void {
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
  ctx.set('Access-Control-Allow-Headers', 'X-Requested-With, Content-Type, Authorization');
}
