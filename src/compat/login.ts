import type { Context, Middleware } from 'koa';
import type { Config } from '../config/config.js';
import { userId, validateLocalpart } from '../domain/matrix-id.js';
import type { User } from '../domain/user.js';
import { userStatus } from '../domain/user.js';
import type { CompatSessionService } from '../services/compat-sessions.js';
import type { LoginAttempt, LoginLimits } from '../services/login-limits.js';
import type { SignInIdentifier, SignInService } from '../services/sign-in.js';
import type { UserService } from '../services/users.js';
import { logout } from './logout.js';
import { logoutAll } from './logout-all.js';
import {
  accessToken,
  cors,
  MatrixError,
  matrixEndpoint,
  optionalString,
  readJson,
  tokenFields,
  unknownToken,
} from './matrix-api.js';
import { refresh } from './refresh.js';

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
  compat: CompatSessionService;
  loginLimits: LoginLimits;
  /** Password sign-in (`m.login.password`), the same service the login page uses. */
  signIn: SignInService;
  appservices?: AppserviceAuth;
}

/**
 * The login API of the Matrix client-server spec for clients that do not speak OAuth (ARCHITECTURE §7):
 * the reverse proxy routes the login, logout and refresh paths of `/_matrix/client/` here (Synapse answers them 404
 * once it delegates authentication). One file per endpoint; this one is `/login`.
 */
/** The compat API's endpoints, each one row per version in src/routes.ts. */
export interface CompatLoginHandlers {
  flows: Middleware;
  login: Middleware;
  logout: Middleware;
  logoutAll: Middleware;
  refresh: Middleware;
  /** CORS preflight of every compat path (browser clients call them cross-origin). */
  preflight: Middleware;
}

export function compatLoginHandlers(deps: CompatLoginDependencies): CompatLoginHandlers {
  const login = loginEndpoint(deps);
  return {
    flows: matrixEndpoint(login.flows),
    login: matrixEndpoint(login.login),
    logout: matrixEndpoint(logout(deps.compat)),
    logoutAll: matrixEndpoint(logoutAll(deps.compat)),
    refresh: matrixEndpoint(refresh(deps.compat)),
    preflight: (ctx) => {
      cors(ctx);
      ctx.status = 204;
    },
  };
}

/** `GET /login` (the flows offered) and `POST /login` (password, login token or appservice). */
function loginEndpoint(deps: CompatLoginDependencies) {
  const { config, users, compat } = deps;
  const serverName = config.matrix.homeserver;
  const { signIn } = deps;

  const flows = async (ctx: Context) => {
    const offered: Record<string, unknown>[] = [];
    if (config.passwords.enabled) offered.push({ type: 'm.login.password' });
    offered.push({ type: 'm.login.token' });
    offered.push({
      type: 'm.login.sso',
      identity_providers: [],
      oauth_aware_preferred: true,
      'org.matrix.msc3824.delegated_oidc_compatibility': true,
    });
    if (deps.appservices?.loginOffered) offered.push({ type: 'm.login.application_service' });
    ctx.body = { flows: offered };
  };

  const login = async (ctx: Context) => {
    const body = await readJson(ctx);
    const type = body.type;
    if (typeof type !== 'string')
      throw new MatrixError({ errcode: 'M_MISSING_PARAM', message: 'Missing the login type' });
    const user = await authenticate(ctx, type, body);
    const status = userStatus(user);
    if (status === 'locked') throw locked();
    if (status === 'deactivated') throw deactivated();
    const deviceId = optionalString(body, 'device_id');
    // Capped as renames are: the homeserver may refuse longer names.
    const displayName = optionalString(body, 'initial_device_display_name')?.slice(0, 100);
    if (deviceId !== undefined && !/^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/.test(deviceId))
      throw new MatrixError({
        errcode: 'M_INVALID_PARAM',
        message: 'device_id must be 1–255 printable ASCII characters without spaces',
      });
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
      throw new MatrixError({
        errcode: 'M_UNKNOWN',
        message: 'The homeserver could not be reached to set up this device; try again',
        status: 503,
      });
    ctx.body = {
      user_id: userId(user.localpart, serverName),
      device_id: granted.value.session.deviceId,
      home_server: serverName,
      ...tokenFields(granted.value),
    };
  };

  /** Who is signing in, by login type; throws the Matrix error the client should see. */
  async function authenticate(ctx: Context, type: string, body: Record<string, unknown>): Promise<User> {
    switch (type) {
      case 'm.login.password':
        return passwordLogin(ctx, body);
      case 'm.login.token': {
        const token = body.token;
        if (typeof token !== 'string')
          throw new MatrixError({ errcode: 'M_MISSING_PARAM', message: 'Missing token' });
        const attempt = allowed(deps.loginLimits.addressAttempt(ctx.state.clientAddress));
        const user = await compat.redeemLoginToken(token);
        if (!user)
          throw new MatrixError({ errcode: 'M_FORBIDDEN', message: 'Invalid or expired login token' });
        attempt.succeeded();
        return user;
      }
      case 'm.login.application_service': {
        const appservices = deps.appservices;
        if (!appservices?.loginOffered) throw appserviceLoginUnsupported();
        const appservice = appservices.authenticate(accessToken(ctx));
        if (!appservice) throw unknownToken();
        if (!appservices.loginAllowed(appservice)) throw appserviceLoginUnsupported();
        const localpart = await appserviceLocalpart(body);
        if (localpart !== undefined && !validateLocalpart(localpart, serverName).ok)
          throw new MatrixError({
            errcode: 'M_INVALID_USERNAME',
            message: 'The user id is not a valid Matrix user id',
          });
        if (!localpart || !appservices.mayLogin(appservice, localpart))
          throw new MatrixError({
            errcode: 'M_FORBIDDEN',
            message: "The user is not in the application service's exclusive namespace",
          });
        return users.ensureAppserviceUser(localpart);
      }
      default:
        throw new MatrixError({ errcode: 'M_UNKNOWN', message: `Unknown login type ${type}`, status: 400 });
    }
  }

  async function passwordLogin(ctx: Context, body: Record<string, unknown>): Promise<User> {
    if (!config.passwords.enabled)
      throw new MatrixError({ errcode: 'M_UNKNOWN', message: 'Password login is disabled', status: 400 });
    const password = body.password;
    if (typeof password !== 'string')
      throw new MatrixError({ errcode: 'M_MISSING_PARAM', message: 'Missing password' });
    const signedIn = await signIn.signIn({
      identifier: passwordIdentifier(body),
      password,
      address: ctx.state.clientAddress,
    });
    if (signedIn.ok) return signedIn.user;
    switch (signedIn.problem) {
      case 'limited':
        throw limited(signedIn.by, signedIn.retryAfterMs);
      case 'locked':
        throw locked();
      case 'deactivated':
        throw deactivated();
      case 'invalid_input':
      case 'unknown_or_wrong':
        throw new MatrixError({ errcode: 'M_FORBIDDEN', message: 'Invalid username or password' });
    }
  }

  /** The localpart an appservice login names, resolved as a password login's is (no password, no limits). */
  function appserviceLocalpart(body: Record<string, unknown>): Promise<string | undefined> {
    return signIn.localpartOf(passwordIdentifier(body));
  }

  return { flows, login };
}

/** Who a login names: `identifier` (m.id.user, or an email with m.id.thirdparty) or the old `user`. */
function passwordIdentifier(body: Record<string, unknown>): SignInIdentifier {
  const identifier = body.identifier as Record<string, unknown> | undefined;
  if (identifier !== undefined && (typeof identifier !== 'object' || identifier === null))
    throw new MatrixError({ errcode: 'M_BAD_JSON', message: 'identifier must be an object' });
  if (identifier?.type === 'm.id.thirdparty') {
    if (identifier.medium !== 'email' || typeof identifier.address !== 'string')
      throw new MatrixError({
        errcode: 'M_UNKNOWN',
        message: 'Only email addresses are supported as third-party identifiers',
        status: 400,
      });
    return { kind: 'email', value: identifier.address };
  }
  if (identifier !== undefined && identifier.type !== 'm.id.user')
    throw new MatrixError({
      errcode: 'M_UNKNOWN',
      message: `Unknown identifier type ${String(identifier.type)}`,
      status: 400,
    });
  const given = identifier ? identifier.user : body.user;
  if (typeof given !== 'string')
    throw new MatrixError({ errcode: 'M_MISSING_PARAM', message: 'Missing the user identifier' });
  return { kind: 'user', value: given };
}

function locked(): MatrixError {
  return new MatrixError({
    errcode: 'M_USER_LOCKED',
    message: 'This account has been locked',
    softLogout: false,
  });
}

function deactivated(): MatrixError {
  return new MatrixError({ errcode: 'M_USER_DEACTIVATED', message: 'This account has been deactivated' });
}

/** MSC4190: with the OAuth 2.0 API, appservices create their devices through the homeserver. */
function appserviceLoginUnsupported(): MatrixError {
  return new MatrixError({
    errcode: 'M_APPSERVICE_LOGIN_UNSUPPORTED',
    message: 'm.login.application_service is not supported: create devices through the homeserver (MSC4190)',
  });
}

function limited(by: 'address' | 'account', retryAfterMs: number): MatrixError {
  return new MatrixError({
    errcode: 'M_LIMIT_EXCEEDED',
    message:
      by === 'account'
        ? 'Too many wrong passwords for this account; wait, or sign in from a browser that signed in to it before'
        : 'Too many attempts; wait a moment',
    retryAfterMs: retryAfterMs,
  });
}

/** The attempt when the limits allow it; the Matrix 429 otherwise. */
function allowed(attempt: LoginAttempt): Extract<LoginAttempt, { ok: true }> {
  if (attempt.ok) return attempt;
  throw limited(attempt.by, attempt.retryAfterMs);
}
