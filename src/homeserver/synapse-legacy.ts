import { err, ok, type Result } from '../domain/result.js';
import type { HomeserverConnector, HomeserverError, HomeserverUser, ProvisionUser } from './connector.js';
import { classify, done, HomeserverHttp, matrixError } from './http.js';

export interface SynapseLegacyOptions {
  /** The homeserver's base URL (`matrix.endpoint`). */
  endpoint: URL;
  /** The server name (`matrix.homeserver`): user ids are `@<localpart>:<serverName>`. */
  serverName: string;
  /** An admin access token (`matrix.secret`), sent as a Bearer token. */
  secret: string;
  timeoutMs?: number;
  /**
   * How long a deactivation may take: Synapse leaves every room and deletes every device before it
   * answers. Kept under the outbox's 60 s lease, so no second worker takes the job meanwhile.
   */
  deactivateTimeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Synapse < 1.136 (delegating to mxauth through `experimental_features.msc3861`): the same calls as
 * `SynapseConnector`, made with Synapse's admin API and an admin token. Some calls take two requests
 * where the `/_synapse/mas/` API needs one (noted at each). Every failure is a value, never a throw.
 *
 * Admin API versions: devices can be created from Synapse 1.85, `locked` is honoured from 1.93 (older
 * ones ignore it), the cross-signing reset exists from 1.97.
 */
export class SynapseLegacyConnector implements HomeserverConnector {
  readonly kind = 'synapse_legacy';
  readonly #base: URL;
  readonly #serverName: string;
  readonly #http: HomeserverHttp;
  readonly #deactivateTimeoutMs: number;

  constructor(options: SynapseLegacyOptions) {
    this.#base = new URL(
      '_synapse/admin/',
      options.endpoint.href.endsWith('/') ? options.endpoint : `${options.endpoint.href}/`,
    );
    this.#serverName = options.serverName;
    this.#deactivateTimeoutMs = options.deactivateTimeoutMs ?? 50_000;
    this.#http = new HomeserverHttp({
      secret: options.secret,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: options.fetch ?? fetch,
      classify: classifyLegacy,
    });
  }

  async queryUser(localpart: string): Promise<Result<HomeserverUser, HomeserverError>> {
    const found = await this.#fetchUser(localpart);
    if (!found.ok) return found;
    const user = found.value;
    return ok({
      userId: user.name as string,
      displayName: typeof user.displayname === 'string' && user.displayname !== '' ? user.displayname : null,
      avatarUrl: typeof user.avatar_url === 'string' && user.avatar_url !== '' ? user.avatar_url : null,
      // Booleans today, 0/1 in older versions, which have no `suspended` at all.
      suspended: flag(user.suspended),
      deactivated: flag(user.deactivated),
    });
  }

  async isLocalpartAvailable(localpart: string): Promise<Result<void, HomeserverError>> {
    // Synapse answers a non-ASCII name with M_UNKNOWN rather than M_INVALID_USERNAME.
    if (/\P{ASCII}/u.test(localpart))
      return err({ kind: 'invalid_username', message: `${localpart}: user names are ASCII on Synapse` });
    const answer = await this.#http.call(
      'GET',
      this.#url(`v1/username_available?username=${encodeURIComponent(localpart)}`),
    );
    if (!answer.ok) return answer;
    const available = (answer.value.body as { available?: unknown } | undefined)?.available;
    if (available === true) return ok(undefined);
    if (available === false)
      return err({ kind: 'user_in_use', message: `${localpart}: the homeserver has this user already` });
    return err({ kind: 'transient', message: 'username_available answered without `available`' });
  }

  /**
   * `PUT v2/users/<id>` creates or updates, but unlike `provision_user` it cannot tell "unset" from
   * "create without", and `threepids` replaces phone numbers too: so the user is read first.
   * The request's emails are the verified ones; Synapse marks them validated.
   */
  async provisionUser(request: ProvisionUser): Promise<Result<void, HomeserverError>> {
    const existing = await this.#fetchUser(request.localpart);
    if (!existing.ok && existing.error.kind !== 'not_found') return existing;
    const current = existing.ok ? existing.value : undefined;
    const body: Record<string, unknown> = {};
    if (request.displayName !== undefined) {
      // "" removes it; a new user without one gets their localpart, as `provision_user` does.
      if (request.displayName !== null) body.displayname = request.displayName;
      else if (current) body.displayname = '';
    }
    if (request.emails !== undefined) {
      const kept = current ? threepidsOf(current).filter((t) => t.medium !== 'email') : [];
      body.threepids = [...request.emails.map((address) => ({ medium: 'email', address })), ...kept];
    }
    if (request.locked !== undefined) body.locked = request.locked;
    const put = await this.#http.call('PUT', this.#userUrl(request.localpart), body);
    // Creation ignores `locked`: a user created locked takes a second request.
    if (!put.ok || current || request.locked !== true) return done(put);
    return done(await this.#http.call('PUT', this.#userUrl(request.localpart), { locked: true }));
  }

  /** Creating an existing device is a no-op, so this is an upsert; the name needs a second request. */
  async upsertDevice(localpart: string, deviceId: string, displayName?: string) {
    const created = await this.#http.call('POST', this.#userUrl(localpart, '/devices'), {
      device_id: deviceId,
    });
    if (!created.ok) return created;
    if (displayName === undefined) return ok(undefined);
    return this.updateDeviceDisplayName(localpart, deviceId, displayName);
  }

  async updateDeviceDisplayName(localpart: string, deviceId: string, displayName: string) {
    return done(
      await this.#http.call('PUT', this.#deviceUrl(localpart, deviceId), { display_name: displayName }),
    );
  }

  /** A device Synapse does not have is deleted already (200); an unknown user is not_found. */
  async deleteDevice(localpart: string, deviceId: string) {
    return done(await this.#http.call('DELETE', this.#deviceUrl(localpart, deviceId)));
  }

  /** Lists the devices, deletes the extra ones in one request, creates the missing ones one by one. */
  async syncDevices(localpart: string, deviceIds: string[]): Promise<Result<void, HomeserverError>> {
    const listed = await this.#http.call('GET', this.#userUrl(localpart, '/devices'));
    if (!listed.ok) return listed;
    const devices = (listed.value.body as { devices?: unknown } | undefined)?.devices;
    if (!Array.isArray(devices))
      return err({ kind: 'transient', message: 'the device list answered without `devices`' });
    const present = new Set<string>();
    for (const device of devices as unknown[]) {
      const { device_id: id, dehydrated } = (device ?? {}) as { device_id?: unknown; dehydrated?: unknown };
      // A dehydrated device belongs to the user's key backup, not to a session of mxauth's: keep it.
      if (typeof id === 'string' && dehydrated !== true) present.add(id);
    }
    const wanted = new Set(deviceIds);
    const extra = [...present].filter((id) => !wanted.has(id));
    if (extra.length > 0) {
      const deleted = await this.#http.call('POST', this.#userUrl(localpart, '/delete_devices'), {
        devices: extra,
      });
      if (!deleted.ok) return deleted;
    }
    for (const id of wanted) {
      if (present.has(id)) continue;
      const created = await this.#http.call('POST', this.#userUrl(localpart, '/devices'), { device_id: id });
      if (!created.ok) return created;
    }
    return ok(undefined);
  }

  async deleteUser(localpart: string, erase: boolean) {
    return done(
      await this.#http.call(
        'POST',
        this.#url(`v1/deactivate/${this.#userId(localpart)}`),
        { erase },
        { timeoutMs: this.#deactivateTimeoutMs },
      ),
    );
  }

  /**
   * `PUT v2/users/<id>` with `deactivated: false`; read first, since that PUT would create an unknown
   * user and an active user needs nothing. Limitation: Synapse versions before the password check was
   * dropped refuse this ("Must provide a password to re-activate an account", 400 → a failed job)
   * when password login is enabled on the homeserver. Delegating to mxauth (MSC3861) turns password
   * login off, so it only bites a Synapse that is not delegating yet; mxauth never sends a password.
   */
  async reactivateUser(localpart: string): Promise<Result<void, HomeserverError>> {
    const existing = await this.#fetchUser(localpart);
    if (!existing.ok) return existing;
    if (!flag(existing.value.deactivated)) return ok(undefined);
    return done(await this.#http.call('PUT', this.#userUrl(localpart), { deactivated: false }));
  }

  /** Read first: the PUT would create an unknown user, where `set_displayname` answers 404. */
  async setDisplayName(localpart: string, displayName: string | null) {
    const existing = await this.#fetchUser(localpart);
    if (!existing.ok) return existing;
    return done(await this.#http.call('PUT', this.#userUrl(localpart), { displayname: displayName ?? '' }));
  }

  /**
   * Synapse answers 404 both for an unknown user and for a user without a master cross-signing key;
   * the latter has nothing to replace, and `allow_cross_signing_reset` answers it with success, so the
   * user's existence decides.
   */
  async allowCrossSigningReset(localpart: string): Promise<Result<void, HomeserverError>> {
    const answer = await this.#http.call(
      'POST',
      this.#url(`v1/users/${this.#userId(localpart)}/_allow_cross_signing_replacement_without_uia`),
      {},
    );
    if (answer.ok || answer.error.kind !== 'not_found') return done(answer);
    return done(await this.#fetchUser(localpart));
  }

  /** `GET v2/users/<id>`: the user's record. */
  async #fetchUser(localpart: string): Promise<Result<Record<string, unknown>, HomeserverError>> {
    const answer = await this.#http.call('GET', this.#userUrl(localpart));
    if (!answer.ok) return answer;
    const user = answer.value.body as Record<string, unknown> | undefined;
    if (typeof user !== 'object' || user === null || typeof user.name !== 'string')
      return err({ kind: 'transient', message: 'the user query answered without a name' });
    return ok(user);
  }

  #userId(localpart: string): string {
    return encodeURIComponent(`@${localpart}:${this.#serverName}`);
  }

  #userUrl(localpart: string, rest = ''): URL {
    return this.#url(`v2/users/${this.#userId(localpart)}${rest}`);
  }

  #deviceUrl(localpart: string, deviceId: string): URL {
    return this.#userUrl(localpart, `/devices/${encodeURIComponent(deviceId)}`);
  }

  #url(path: string): URL {
    return new URL(path, this.#base);
  }
}

/**
 * As `classify`, and one more case: an admin API this Synapse does not have (too old, or not exposed
 * by the reverse proxy) answers M_UNRECOGNIZED with 404 or 405, which is no missing user and will not
 * pass by retrying.
 */
function classifyLegacy(status: number, body: unknown, what: string): HomeserverError {
  const { errcode } = matrixError(body);
  if (errcode === 'M_UNRECOGNIZED')
    return {
      kind: 'rejected',
      status,
      errcode,
      message: `${what}: this Synapse does not have that admin API (too old, or hidden by a proxy)`,
    };
  return classify(status, body, what);
}

function flag(value: unknown): boolean {
  return value === true || value === 1;
}

function threepidsOf(user: Record<string, unknown>): { medium: string; address: string }[] {
  if (!Array.isArray(user.threepids)) return [];
  return (user.threepids as unknown[]).flatMap((t) => {
    const { medium, address } = (t ?? {}) as { medium?: unknown; address?: unknown };
    return typeof medium === 'string' && typeof address === 'string' ? [{ medium, address }] : [];
  });
}
