import type { IncomingMessage, ServerResponse } from 'node:http';
import { RestartableServer } from './restartable-server.js';

/**
 * A Synapse < 1.136 as the `synapse_legacy` connector sees it: the parts of the admin API
 * (docs/admin_api/user_admin_api.md) that MAS used, and nothing else. A request whose path, method,
 * encoding, headers or body differ from that API is refused and recorded as a violation. Users and
 * devices live in memory, with Synapse's quirks kept where they matter: `PUT v2/users/<id>` creates an
 * unknown user (ignoring `locked` then), creating an existing device is a no-op, deleting a missing
 * device succeeds, and the cross-signing endpoint answers 404 for a user without a master key.
 */
export interface LegacyUser {
  displayName: string | null;
  threepids: { medium: string; address: string }[];
  locked: boolean;
  deactivated: boolean;
  erased: boolean;
  devices: Map<string, { displayName: string | null; dehydrated: boolean }>;
  hasMasterKey: boolean;
  crossSigningResetAllowed: boolean;
}

export type LegacyOp =
  | 'query_user'
  | 'modify_user'
  | 'username_available'
  | 'list_devices'
  | 'create_device'
  | 'update_device'
  | 'delete_device'
  | 'delete_devices'
  | 'deactivate'
  | 'allow_cross_signing_replacement';

export interface LegacyCall {
  op: LegacyOp;
  /** The decoded user id of the path, if it has one. */
  userId?: string;
  deviceId?: string;
  body: Record<string, unknown> | undefined;
  query: Record<string, string>;
}

type Field = 'string' | 'boolean' | 'string[]' | 'threepids';
interface Shape {
  required: Record<string, Field>;
  optional: Record<string, Field>;
}
interface Route {
  op: LegacyOp;
  pattern: RegExp;
  method: string;
  /** The JSON body it takes; none for GET and DELETE. `emptyAllowed`: Synapse also takes no body. */
  body?: Shape & { emptyAllowed?: boolean };
}

// Fields of "Create or modify account" that mxauth has any business sending. `password`, `admin`,
// `user_type` and `logout_devices` exist too, and are refused here: mxauth must never set them.
const MODIFY_USER: Shape = {
  required: {},
  optional: {
    displayname: 'string',
    avatar_url: 'string',
    threepids: 'threepids',
    deactivated: 'boolean',
    locked: 'boolean',
  },
};
const SEGMENT = '([^/]*)';
const ROUTES: Route[] = [
  { op: 'query_user', pattern: new RegExp(`^v2/users/${SEGMENT}$`), method: 'GET' },
  { op: 'modify_user', pattern: new RegExp(`^v2/users/${SEGMENT}$`), method: 'PUT', body: MODIFY_USER },
  { op: 'username_available', pattern: /^v1\/username_available$/, method: 'GET' },
  { op: 'list_devices', pattern: new RegExp(`^v2/users/${SEGMENT}/devices$`), method: 'GET' },
  {
    op: 'create_device',
    pattern: new RegExp(`^v2/users/${SEGMENT}/devices$`),
    method: 'POST',
    body: { required: { device_id: 'string' }, optional: {} },
  },
  {
    op: 'update_device',
    pattern: new RegExp(`^v2/users/${SEGMENT}/devices/${SEGMENT}$`),
    method: 'PUT',
    body: { required: {}, optional: { display_name: 'string' } },
  },
  { op: 'delete_device', pattern: new RegExp(`^v2/users/${SEGMENT}/devices/${SEGMENT}$`), method: 'DELETE' },
  {
    op: 'delete_devices',
    pattern: new RegExp(`^v2/users/${SEGMENT}/delete_devices$`),
    method: 'POST',
    body: { required: { devices: 'string[]' }, optional: {} },
  },
  {
    op: 'deactivate',
    pattern: new RegExp(`^v1/deactivate/${SEGMENT}$`),
    method: 'POST',
    body: { required: {}, optional: { erase: 'boolean' }, emptyAllowed: true },
  },
  {
    op: 'allow_cross_signing_replacement',
    pattern: new RegExp(`^v1/users/${SEGMENT}/_allow_cross_signing_replacement_without_uia$`),
    method: 'POST',
    body: { required: {}, optional: {} },
  },
];

export class LegacyContractHomeserver extends RestartableServer {
  readonly users = new Map<string, LegacyUser>();
  readonly calls: LegacyCall[] = [];
  readonly violations: string[] = [];
  /** Localparts in an application service's exclusive namespace. */
  readonly exclusive = new Set<string>();
  /** Valid access tokens of users who are no server admins (the admin API answers 403). */
  readonly userTokens = new Set<string>();
  /** Endpoints this Synapse is too old to have: answered 404 M_UNRECOGNIZED, as Synapse does. */
  readonly missing = new Set<LegacyOp>();
  /** Password login enabled: reactivation then wants a password (Synapse before the check was dropped). */
  passwordLogin = false;
  /** Answer `deactivated` as 0/1, as Synapse did before booleans. */
  integerFlags = false;
  /** What the server does instead of answering properly, to test mxauth against a bad homeserver. */
  misbehave: 'no' | 'error500' | 'garbage' | 'hang' | 'ratelimit' = 'no';

  constructor(
    readonly serverName: string,
    readonly adminToken: string,
  ) {
    super();
  }

  callsOf(op: LegacyOp): LegacyCall[] {
    return this.calls.filter((c) => c.op === op);
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://homeserver');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (this.misbehave === 'hang') return; // never answers: the caller's timeout must fire
    if (this.misbehave === 'error500')
      return send(res, 500, { errcode: 'M_UNKNOWN', error: 'Internal server error' });
    if (this.misbehave === 'ratelimit')
      return send(res, 429, { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 100 });
    if (this.misbehave === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('<html>Bad gateway</html>');
    }

    const path = /^\/_synapse\/admin\/(.*)$/.exec(url.pathname)?.[1];
    const candidates = path === undefined ? [] : ROUTES.filter((r) => r.pattern.test(path));
    if (candidates.length === 0) {
      this.violations.push(`unknown path ${url.pathname}`);
      return send(res, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
    }
    const route = candidates.find((r) => r.method === req.method);
    if (!route) {
      this.violations.push(`${url.pathname}: method ${req.method}`);
      return send(res, 405, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
    }
    if (this.missing.has(route.op))
      return send(res, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });

    // Synapse takes the token from the header (or the deprecated access_token parameter, not used here).
    const auth = req.headers.authorization;
    if (!auth) return send(res, 401, { errcode: 'M_MISSING_TOKEN', error: 'Missing access token' });
    const token = /^Bearer (.+)$/.exec(auth)?.[1];
    if (token !== this.adminToken) {
      if (token !== undefined && this.userTokens.has(token))
        return send(res, 403, { errcode: 'M_FORBIDDEN', error: 'You are not a server admin' });
      return send(res, 401, { errcode: 'M_UNKNOWN_TOKEN', error: 'Invalid access token passed.' });
    }

    // Every path segment is URL-encoded (`@` and `:` of user ids included).
    const segments = route.pattern.exec(path!)!.slice(1);
    const decoded: string[] = [];
    for (const segment of segments) {
      let value: string;
      try {
        value = decodeURIComponent(segment);
      } catch {
        return this.#violation(res, `${route.op}: bad percent-encoding in ${url.pathname}`);
      }
      if (encodeURIComponent(value) !== segment)
        return this.#violation(res, `${route.op}: path segment ${segment} is not URL-encoded`);
      decoded.push(value);
    }

    const query = Object.fromEntries(url.searchParams);
    const expectedQuery = route.op === 'username_available' ? 'username' : '';
    if (Object.keys(query).join() !== expectedQuery || (expectedQuery === '' && url.search !== ''))
      return this.#violation(res, `${route.op}: query ${url.search}`);

    let body: Record<string, unknown> | undefined;
    if (route.body) {
      if (raw === '' && route.body.emptyAllowed) body = {};
      else {
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
          return this.#violation(res, `${route.op}: content-type ${req.headers['content-type']}`);
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          return this.#violation(res, `${route.op}: body is not JSON`);
        }
        const problem = checkBody(body, route.body);
        if (problem) return this.#violation(res, `${route.op}: ${problem}`);
      }
    } else if (raw !== '') return this.#violation(res, `${route.op}: ${req.method} with a body`);

    const userId = route.op === 'username_available' ? undefined : decoded[0];
    const deviceId = decoded[1];
    this.calls.push({
      op: route.op,
      ...(userId !== undefined ? { userId } : {}),
      ...(deviceId !== undefined ? { deviceId } : {}),
      body,
      query,
    });

    if (route.op === 'username_available') return send(res, ...this.#usernameAvailable(query.username!));
    const match = /^@([^:]+):(.+)$/.exec(userId!);
    if (!match) return send(res, 400, { errcode: 'M_INVALID_PARAM', error: `Invalid user id ${userId}` });
    if (match[2] !== this.serverName)
      return send(res, 400, { errcode: 'M_UNKNOWN', error: 'Can only look up local users' });
    const localpart = match[1]!;
    const user = this.users.get(localpart);
    const unknown = (error = 'User not found') => send(res, 404, { errcode: 'M_NOT_FOUND', error });
    switch (route.op) {
      case 'query_user':
        if (!user) return unknown();
        return send(res, 200, this.#userInfo(localpart, user));
      case 'modify_user':
        return send(res, ...this.#modifyUser(localpart, user, body!));
      case 'list_devices': {
        if (!user) return unknown('Unknown user');
        const devices = [...user.devices].map(([id, d]) => ({
          device_id: id,
          ...(d.displayName !== null ? { display_name: d.displayName } : {}),
          last_seen_ip: null,
          last_seen_ts: null,
          last_seen_user_agent: null,
          user_id: userId,
          dehydrated: d.dehydrated,
        }));
        return send(res, 200, { devices, total: devices.length });
      }
      case 'create_device': {
        if (!user) return unknown('Unknown user');
        const id = body!.device_id as string;
        if (id === '') return send(res, 400, { errcode: 'M_UNKNOWN', error: 'Missing device_id' });
        if (!user.devices.has(id)) user.devices.set(id, { displayName: null, dehydrated: false });
        return send(res, 201, {});
      }
      case 'update_device': {
        if (!user) return unknown('Unknown user');
        const device = user.devices.get(deviceId!);
        if (!device) return unknown('Device not found');
        if (typeof body!.display_name === 'string') device.displayName = body!.display_name;
        return send(res, 200, {});
      }
      case 'delete_device':
        if (!user) return unknown('Unknown user');
        user.devices.delete(deviceId!);
        return send(res, 200, {});
      case 'delete_devices':
        if (!user) return unknown('Unknown user');
        for (const id of body!.devices as string[]) user.devices.delete(id);
        return send(res, 200, {});
      case 'deactivate':
        if (!user) return unknown();
        this.#deactivate(user, body!.erase === true);
        return send(res, 200, { id_server_unbind_result: 'success' });
      case 'allow_cross_signing_replacement':
        // Synapse does not look the user up: no user and no key are the same 404.
        if (!user?.hasMasterKey) return unknown('User has no master cross-signing key');
        user.crossSigningResetAllowed = true;
        return send(res, 200, { updatable_without_uia_before_ms: Date.now() + 600_000 });
    }
  }

  #usernameAvailable(localpart: string): Answer {
    if (!/^[a-z0-9._=\-/+]+$/.test(localpart))
      return answer(400, {
        errcode: 'M_INVALID_USERNAME',
        error: "User ID can only contain characters a-z, 0-9, or '=_-./+'",
      });
    if (this.exclusive.has(localpart))
      return answer(400, {
        errcode: 'M_EXCLUSIVE',
        error: 'This user ID is reserved by an application service.',
      });
    if (this.users.has(localpart))
      return answer(400, { errcode: 'M_USER_IN_USE', error: 'User ID already taken.' });
    return answer(200, { available: true });
  }

  #modifyUser(localpart: string, user: LegacyUser | undefined, body: Record<string, unknown>): Answer {
    if (body.deactivated === true && body.locked === true)
      return answer(400, { errcode: 'M_UNKNOWN', error: "An user can't be deactivated and locked" });
    const threepids = body.threepids as { medium: string; address: string }[] | undefined;
    if (!user) {
      // Creation takes the display name (the localpart by default) and threepids; not `locked` or
      // `deactivated`, which only apply to an existing user.
      const created = newLegacyUser();
      created.displayName = typeof body.displayname === 'string' ? body.displayname : localpart;
      if (threepids) created.threepids = threepids.map(({ medium, address }) => ({ medium, address }));
      this.users.set(localpart, created);
      return answer(201, this.#userInfo(localpart, created));
    }
    if (body.deactivated === false && user.deactivated && this.passwordLogin)
      return answer(400, {
        errcode: 'M_UNKNOWN',
        error: 'Must provide a password to re-activate an account.',
      });
    if (typeof body.displayname === 'string')
      user.displayName = body.displayname === '' ? null : body.displayname;
    if (threepids) user.threepids = threepids.map(({ medium, address }) => ({ medium, address }));
    if (body.deactivated === true && !user.deactivated) this.#deactivate(user, false);
    if (body.deactivated === false) user.deactivated = false;
    if (typeof body.locked === 'boolean') user.locked = body.locked;
    return answer(200, this.#userInfo(localpart, user));
  }

  #deactivate(user: LegacyUser, erase: boolean): void {
    user.deactivated = true;
    user.devices.clear();
    user.threepids = [];
    user.hasMasterKey = false;
    if (erase) {
      user.erased = true;
      user.displayName = null;
    }
  }

  #userInfo(localpart: string, user: LegacyUser): Record<string, unknown> {
    const flag = (value: boolean) => (this.integerFlags ? (value ? 1 : 0) : value);
    return {
      name: `@${localpart}:${this.serverName}`,
      displayname: user.displayName,
      threepids: user.threepids.map((t) => ({ ...t, added_at: 1, validated_at: 1 })),
      avatar_url: null,
      is_guest: flag(false),
      admin: flag(false),
      deactivated: flag(user.deactivated),
      erased: user.erased,
      shadow_banned: flag(false),
      creation_ts: 1,
      appservice_id: null,
      consent_server_notice_sent: null,
      consent_version: null,
      consent_ts: null,
      external_ids: [],
      user_type: null,
      locked: user.locked,
      ...(this.integerFlags ? {} : { suspended: false }),
    };
  }

  #violation(res: ServerResponse, problem: string): void {
    this.violations.push(problem);
    send(res, 400, { errcode: 'M_BAD_JSON', error: problem });
  }
}

export function newLegacyUser(): LegacyUser {
  return {
    displayName: null,
    threepids: [],
    locked: false,
    deactivated: false,
    erased: false,
    devices: new Map(),
    hasMasterKey: false,
    crossSigningResetAllowed: false,
  };
}

function checkBody(body: unknown, shape: Shape): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not an object';
  const fields = { ...shape.required, ...shape.optional };
  for (const key of Object.keys(body)) if (!(key in fields)) return `unexpected field ${key}`;
  for (const key of Object.keys(shape.required)) if (!(key in body)) return `missing field ${key}`;
  for (const [key, value] of Object.entries(body)) {
    const type = fields[key]!;
    let fine: boolean;
    if (type === 'string[]') fine = Array.isArray(value) && value.every((v) => typeof v === 'string');
    else if (type === 'threepids')
      fine =
        Array.isArray(value) &&
        value.every(
          (t) =>
            typeof t === 'object' &&
            t !== null &&
            Object.keys(t).sort().join() === 'address,medium' &&
            (t.medium === 'email' || t.medium === 'msisdn') &&
            typeof t.address === 'string',
        );
    else fine = typeof value === type;
    if (!fine) return `field ${key} is not a ${type}`;
  }
  return undefined;
}

type Answer = [status: number, body: object];

function answer(status: number, body: object): Answer {
  return [status, body];
}

function send(res: ServerResponse, status: number, body: object): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(json);
}
