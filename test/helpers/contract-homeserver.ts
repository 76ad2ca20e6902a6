import type { IncomingMessage, ServerResponse } from 'node:http';
import { RestartableServer } from './restartable-server.js';

/**
 * A homeserver that speaks Synapse's `/_synapse/mas/` API (ARCHITECTURE §5) and nothing else: any request
 * whose path, method, headers or body differ from the contract is refused and recorded as a violation.
 * Users and devices live in memory, so tests can look at what mxauth made of them.
 */
export interface ContractUser {
  displayName: string | null;
  emails: string[];
  locked: boolean;
  deactivated: boolean;
  erased: boolean;
  devices: Map<string, string | null>;
  crossSigningResetAllowed: boolean;
}

export interface ContractCall {
  op: string;
  body: Record<string, unknown> | undefined;
  query: Record<string, string>;
}

type Field = 'string' | 'boolean' | 'string[]';
const POST_BODIES: Record<string, { required: Record<string, Field>; optional: Record<string, Field> }> = {
  provision_user: {
    required: { localpart: 'string' },
    optional: {
      set_displayname: 'string',
      unset_displayname: 'boolean',
      set_avatar_url: 'string',
      unset_avatar_url: 'boolean',
      set_emails: 'string[]',
      unset_emails: 'boolean',
      locked: 'boolean',
    },
  },
  upsert_device: {
    required: { localpart: 'string', device_id: 'string' },
    optional: { display_name: 'string' },
  },
  update_device_display_name: {
    required: { localpart: 'string', device_id: 'string', display_name: 'string' },
    optional: {},
  },
  delete_device: { required: { localpart: 'string', device_id: 'string' }, optional: {} },
  sync_devices: { required: { localpart: 'string', devices: 'string[]' }, optional: {} },
  delete_user: { required: { localpart: 'string', erase: 'boolean' }, optional: {} },
  reactivate_user: { required: { localpart: 'string' }, optional: {} },
  set_displayname: { required: { localpart: 'string', displayname: 'string' }, optional: {} },
  unset_displayname: { required: { localpart: 'string' }, optional: {} },
  allow_cross_signing_reset: { required: { localpart: 'string' }, optional: {} },
};
const GETS = new Set(['query_user', 'is_localpart_available']);

export class ContractHomeserver extends RestartableServer {
  readonly users = new Map<string, ContractUser>();
  readonly calls: ContractCall[] = [];
  readonly violations: string[] = [];
  /** Localparts in an application service's exclusive namespace. */
  readonly exclusive = new Set<string>();
  /** What the server does instead of answering properly, to test mxauth against a bad homeserver. */
  misbehave: 'no' | 'error500' | 'garbage' | 'hang' | 'refuse_secret' = 'no';
  /**
   * Called for each well-formed call (after it is recorded): an answer it returns is sent instead of
   * acting on the call, to make the homeserver refuse particular calls.
   */
  failCall: ((call: ContractCall) => { status: number; body: object } | undefined) | undefined;

  constructor(
    readonly serverName: string,
    readonly secret: string,
  ) {
    super();
  }

  callsOf(op: string): ContractCall[] {
    return this.calls.filter((c) => c.op === op);
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://homeserver');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (this.misbehave === 'hang') return; // never answers: the caller's timeout must fire
    if (this.misbehave === 'error500')
      return send(res, 500, { errcode: 'M_UNKNOWN', error: 'Internal error' });
    if (this.misbehave === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('<html>Bad gateway</html>');
    }
    const match = /^\/_synapse\/mas\/([a-z_]+)$/.exec(url.pathname);
    const op = match?.[1];
    if (!op || !(GETS.has(op) || op in POST_BODIES))
      return this.#violation(res, `unknown path ${url.pathname}`);
    const method = GETS.has(op) ? 'GET' : 'POST';
    if (req.method !== method) return this.#violation(res, `${op}: method ${req.method}, expected ${method}`);
    const auth = req.headers.authorization;
    if (!auth) return send(res, 401, { errcode: 'M_MISSING_TOKEN', error: 'Missing access token' });
    // As after a secret rotated on one side only: the right secret is refused too.
    if (auth !== `Bearer ${this.secret}` || this.misbehave === 'refuse_secret')
      return send(res, 403, { errcode: 'M_FORBIDDEN', error: 'Invalid access token' });
    const query = Object.fromEntries(url.searchParams);
    let body: Record<string, unknown> | undefined;
    if (method === 'POST') {
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
        return this.#violation(res, `${op}: content-type ${req.headers['content-type']}`);
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return this.#violation(res, `${op}: body is not JSON`);
      }
      const problem = checkBody(body, POST_BODIES[op]!);
      if (problem) return this.#violation(res, `${op}: ${problem}`);
    } else {
      if (raw !== '') return this.#violation(res, `${op}: GET with a body`);
      if (Object.keys(query).join() !== 'localpart')
        return this.#violation(res, `${op}: query ${url.search}`);
    }
    const call = { op, body, query };
    this.calls.push(call);
    const failure = this.failCall?.(call);
    if (failure) return send(res, failure.status, failure.body);
    const localpart = (body?.localpart ?? query.localpart) as string;
    const user = this.users.get(localpart);
    const unknown = () => send(res, 404, { errcode: 'M_NOT_FOUND', error: 'User not found' });
    switch (op) {
      case 'query_user':
        if (!user) return unknown();
        return send(res, 200, {
          user_id: `@${localpart}:${this.serverName}`,
          display_name: user.displayName,
          avatar_url: null,
          is_suspended: false,
          is_deactivated: user.deactivated,
        });
      case 'is_localpart_available':
        if (!/^[a-z0-9._=\-/+]+$/.test(localpart))
          return send(res, 400, { errcode: 'M_INVALID_USERNAME', error: 'Invalid username' });
        if (this.exclusive.has(localpart))
          return send(res, 400, {
            errcode: 'M_EXCLUSIVE',
            error: 'This username is reserved by an application service',
          });
        if (user) return send(res, 400, { errcode: 'M_USER_IN_USE', error: 'User ID already taken' });
        return send(res, 200, {});
      case 'provision_user': {
        const created = !user;
        const u = user ?? newContractUser();
        if (typeof body!.set_displayname === 'string') u.displayName = body!.set_displayname;
        if (body!.unset_displayname === true) u.displayName = null;
        if (Array.isArray(body!.set_emails)) u.emails = body!.set_emails as string[];
        if (body!.unset_emails === true) u.emails = [];
        if (typeof body!.locked === 'boolean') u.locked = body!.locked;
        this.users.set(localpart, u);
        return send(res, created ? 201 : 200, {});
      }
      case 'upsert_device': {
        if (!user) return unknown();
        const created = !user.devices.has(body!.device_id as string);
        user.devices.set(body!.device_id as string, (body!.display_name as string | undefined) ?? null);
        return send(res, created ? 201 : 200, {});
      }
      case 'update_device_display_name':
        if (!user?.devices.has(body!.device_id as string))
          return send(res, 404, { errcode: 'M_NOT_FOUND', error: 'Device not found' });
        user.devices.set(body!.device_id as string, body!.display_name as string);
        return send(res, 200, {});
      case 'delete_device':
        if (!user) return unknown();
        user.devices.delete(body!.device_id as string);
        res.writeHead(204);
        return void res.end();
      case 'sync_devices': {
        if (!user) return unknown();
        const wanted = new Set(body!.devices as string[]);
        for (const id of user.devices.keys()) if (!wanted.has(id)) user.devices.delete(id);
        for (const id of wanted) if (!user.devices.has(id)) user.devices.set(id, null);
        return send(res, 200, {});
      }
      case 'delete_user':
        if (!user) return unknown();
        user.deactivated = true;
        user.devices.clear();
        if (body!.erase === true) user.erased = true;
        return send(res, 200, {});
      case 'reactivate_user':
        if (!user) return unknown();
        user.deactivated = false;
        return send(res, 200, {});
      case 'set_displayname':
        if (!user) return unknown();
        user.displayName = body!.displayname as string;
        return send(res, 200, {});
      case 'unset_displayname':
        if (!user) return unknown();
        user.displayName = null;
        return send(res, 200, {});
      case 'allow_cross_signing_reset':
        if (!user) return unknown();
        user.crossSigningResetAllowed = true;
        return send(res, 200, {});
    }
  }

  #violation(res: ServerResponse, problem: string): void {
    this.violations.push(problem);
    send(res, 400, { errcode: 'M_UNRECOGNIZED', error: problem });
  }
}

export function newContractUser(): ContractUser {
  return {
    displayName: null,
    emails: [],
    locked: false,
    deactivated: false,
    erased: false,
    devices: new Map(),
    crossSigningResetAllowed: false,
  };
}

function checkBody(
  body: unknown,
  shape: { required: Record<string, Field>; optional: Record<string, Field> },
): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not an object';
  const fields = { ...shape.required, ...shape.optional };
  for (const key of Object.keys(body)) if (!(key in fields)) return `unexpected field ${key}`;
  for (const key of Object.keys(shape.required)) if (!(key in body)) return `missing field ${key}`;
  for (const [key, value] of Object.entries(body)) {
    const type = fields[key]!;
    const fine =
      type === 'string[]'
        ? Array.isArray(value) && value.every((v) => typeof v === 'string')
        : typeof value === type;
    if (!fine) return `field ${key} is not a ${type}`;
  }
  const b = body as Record<string, unknown>;
  if ('set_displayname' in b && 'unset_displayname' in b) return 'set_displayname with unset_displayname';
  if ('set_emails' in b && 'unset_emails' in b) return 'set_emails with unset_emails';
  return undefined;
}

function send(res: ServerResponse, status: number, body: object): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(json);
}
