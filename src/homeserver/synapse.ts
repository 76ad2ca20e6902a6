import { err, ok, type Result } from '../domain/result.js';
import type { HomeserverConnector, HomeserverError, HomeserverUser, ProvisionUser } from './connector.js';
import { done, HomeserverHttp } from './http.js';

export interface SynapseOptions {
  /** The homeserver's base URL (`matrix.endpoint`). */
  endpoint: URL;
  /** The shared secret (`matrix.secret`), sent as a Bearer token. */
  secret: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Synapse >= 1.136: the API Synapse exposes for its authentication service under `/_synapse/mas/`
 * (ARCHITECTURE §5). Every failure is a value: an unreachable, slow or confused homeserver never throws.
 */
export class SynapseConnector implements HomeserverConnector {
  readonly kind = 'synapse';
  readonly #base: URL;
  readonly #http: HomeserverHttp;

  constructor(options: SynapseOptions) {
    this.#base = new URL(
      '_synapse/mas/',
      options.endpoint.href.endsWith('/') ? options.endpoint : `${options.endpoint.href}/`,
    );
    this.#http = new HomeserverHttp({
      secret: options.secret,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: options.fetch ?? fetch,
    });
  }

  async queryUser(localpart: string): Promise<Result<HomeserverUser, HomeserverError>> {
    const answer = await this.#call('GET', `query_user?localpart=${encodeURIComponent(localpart)}`);
    if (!answer.ok) return answer;
    const body = answer.value.body as Record<string, unknown> | undefined;
    if (!body || typeof body.user_id !== 'string')
      return err({ kind: 'transient', message: 'query_user answered without a user_id' });
    return ok({
      userId: body.user_id,
      displayName: typeof body.display_name === 'string' ? body.display_name : null,
      avatarUrl: typeof body.avatar_url === 'string' ? body.avatar_url : null,
      suspended: body.is_suspended === true,
      deactivated: body.is_deactivated === true,
    });
  }

  async isLocalpartAvailable(localpart: string): Promise<Result<void, HomeserverError>> {
    return done(await this.#call('GET', `is_localpart_available?localpart=${encodeURIComponent(localpart)}`));
  }

  async provisionUser(request: ProvisionUser): Promise<Result<void, HomeserverError>> {
    const body: Record<string, unknown> = { localpart: request.localpart };
    if (request.displayName !== undefined) {
      if (request.displayName === null) body.unset_displayname = true;
      else body.set_displayname = request.displayName;
    }
    if (request.emails !== undefined) {
      if (request.emails.length === 0) body.unset_emails = true;
      else body.set_emails = request.emails;
    }
    if (request.locked !== undefined) body.locked = request.locked;
    return done(await this.#call('POST', 'provision_user', body));
  }

  async upsertDevice(localpart: string, deviceId: string, displayName?: string) {
    const body: Record<string, unknown> = { localpart, device_id: deviceId };
    if (displayName !== undefined) body.display_name = displayName;
    return done(await this.#call('POST', 'upsert_device', body));
  }

  async updateDeviceDisplayName(localpart: string, deviceId: string, displayName: string) {
    return done(
      await this.#call('POST', 'update_device_display_name', {
        localpart,
        device_id: deviceId,
        display_name: displayName,
      }),
    );
  }

  async deleteDevice(localpart: string, deviceId: string) {
    return done(await this.#call('POST', 'delete_device', { localpart, device_id: deviceId }));
  }

  async syncDevices(localpart: string, deviceIds: string[]) {
    return done(await this.#call('POST', 'sync_devices', { localpart, devices: deviceIds }));
  }

  async deleteUser(localpart: string, erase: boolean) {
    return done(await this.#call('POST', 'delete_user', { localpart, erase }));
  }

  async reactivateUser(localpart: string) {
    return done(await this.#call('POST', 'reactivate_user', { localpart }));
  }

  async setDisplayName(localpart: string, displayName: string | null) {
    return done(
      displayName === null
        ? await this.#call('POST', 'unset_displayname', { localpart })
        : await this.#call('POST', 'set_displayname', { localpart, displayname: displayName }),
    );
  }

  async allowCrossSigningReset(localpart: string) {
    return done(await this.#call('POST', 'allow_cross_signing_reset', { localpart }));
  }

  #call(method: 'GET' | 'POST', path: string, body?: object) {
    return this.#http.call(method, new URL(path, this.#base), body);
  }
}
