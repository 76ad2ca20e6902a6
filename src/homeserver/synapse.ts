import { err, ok, type Result } from '../domain/result.js';
import type { HomeserverConnector, HomeserverError, HomeserverUser, ProvisionUser } from './connector.js';

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
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: SynapseOptions) {
    this.#base = new URL(
      '_synapse/mas/',
      options.endpoint.href.endsWith('/') ? options.endpoint : `${options.endpoint.href}/`,
    );
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? fetch;
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

  async #call(
    method: 'GET' | 'POST',
    path: string,
    body?: object,
  ): Promise<Result<{ status: number; body: unknown }, HomeserverError>> {
    const url = new URL(path, this.#base);
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#secret}`,
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (e) {
      const error = e as Error;
      const reason =
        error.name === 'TimeoutError' ? `no answer within ${this.#timeoutMs} ms` : causeOf(error);
      return err({ kind: 'transient', message: `${method} ${url.pathname}: ${reason}` });
    }
    let parsed: unknown;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        // A proxy's HTML error page, or a truncated answer: worth another try only if the status says so.
        if (response.ok)
          return err({ kind: 'transient', message: `${method} ${url.pathname}: the answer is not JSON` });
      }
    }
    if (response.ok) return ok({ status: response.status, body: parsed });
    return err(classify(response.status, parsed, `${method} ${url.pathname}`));
  }
}

function done(result: Result<unknown, HomeserverError>): Result<void, HomeserverError> {
  return result.ok ? ok(undefined) : result;
}

function classify(status: number, body: unknown, what: string): HomeserverError {
  const { errcode, error } = (body ?? {}) as { errcode?: unknown; error?: unknown };
  const code = typeof errcode === 'string' ? errcode : undefined;
  const message = `${what}: ${typeof error === 'string' ? error : `HTTP ${status}`}`;
  if (code === 'M_USER_IN_USE') return { kind: 'user_in_use', message };
  if (code === 'M_INVALID_USERNAME') return { kind: 'invalid_username', message };
  if (code === 'M_EXCLUSIVE') return { kind: 'exclusive', message };
  if (status === 401 || status === 403)
    return {
      kind: 'unauthorized',
      message: `${what}: the homeserver refused the shared secret (HTTP ${status})`,
    };
  if (status === 404) return { kind: 'not_found', message };
  // Overloaded, restarting, behind a proxy that lost it: the same call may work later.
  if (status >= 500 || status === 408 || status === 429) return { kind: 'transient', message };
  return { kind: 'rejected', status, ...(code ? { errcode: code } : {}), message };
}

function causeOf(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
