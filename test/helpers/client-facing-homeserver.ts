import type { IncomingMessage, ServerResponse } from 'node:http';
import { ContractHomeserver } from './contract-homeserver.js';

/**
 * The contract homeserver (Synapse's `/_synapse/mas/` API, which mxauth calls) plus the client-facing
 * endpoints Synapse serves once authentication is delegated (`matrix_authentication_service`), as a
 * Matrix client sees them through the homeserver's address:
 * - `auth_metadata` (stable and unstable): mxauth's discovery document, fetched from the endpoint;
 * - `/.well-known/matrix/client`: this server as `m.homeserver` and the issuer (MSC2965);
 * - `whoami` and `capabilities`: the token introspected at mxauth with the shared secret, with the
 *   device-id header, on every request (Synapse drops its cache on `delete_device`, which this has none of);
 * - `GET /login`: passed on to mxauth, as the reverse proxy in front of Synapse does.
 * `deployment` makes it wrong in the ways a real deployment goes wrong.
 */
export class ClientFacingHomeserver extends ContractHomeserver {
  /** mxauth as the homeserver reaches it (`matrix_authentication_service.endpoint`); set once it runs. */
  authEndpoint = '';
  deployment: {
    /** `once`: a token once active stays accepted (a homeserver that does not ask mxauth again). */
    introspection: 'every request' | 'once';
    changePasswordEnabled: boolean;
    /** Served as auth_metadata's issuer instead of mxauth's (a homeserver delegating elsewhere). */
    issuer?: string;
  } = { introspection: 'every request', changePasswordEnabled: false };
  readonly #remembered = new Map<string, { user_id: string; device_id?: string }>();

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://homeserver');
    if (url.pathname.startsWith('/_synapse/')) return super.handle(req, res);
    if (req.method !== 'GET')
      return send(res, 405, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
    switch (url.pathname) {
      case '/_matrix/client/v1/auth_metadata':
      case '/_matrix/client/unstable/org.matrix.msc2965/auth_metadata':
        return send(res, 200, await this.#metadata());
      case '/.well-known/matrix/client': {
        const metadata = await this.#metadata();
        return send(res, 200, {
          'm.homeserver': { base_url: this.endpoint },
          'org.matrix.msc2965.authentication': {
            issuer: metadata.issuer,
            account: metadata.account_management_uri,
          },
        });
      }
      case '/_matrix/client/v3/login':
      case '/_matrix/client/r0/login': {
        const answer = await fetch(new URL(url.pathname, this.authEndpoint));
        res.writeHead(answer.status, {
          'content-type': answer.headers.get('content-type') ?? 'application/json',
        });
        return void res.end(await answer.text());
      }
      case '/_matrix/client/v3/account/whoami': {
        const requester = await this.#authenticate(req, res);
        if (requester) send(res, 200, { ...requester, is_guest: false });
        return;
      }
      case '/_matrix/client/v3/capabilities': {
        if (!(await this.#authenticate(req, res))) return;
        return send(res, 200, {
          capabilities: {
            'm.change_password': { enabled: this.deployment.changePasswordEnabled },
            'm.set_displayname': { enabled: true },
            'm.set_avatar_url': { enabled: true },
            'm.3pid_changes': { enabled: false },
          },
        });
      }
      default:
        return send(res, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
    }
  }

  async #metadata(): Promise<Record<string, unknown>> {
    const answer = await fetch(new URL('.well-known/openid-configuration', this.authEndpoint));
    const metadata = (await answer.json()) as Record<string, unknown>;
    return this.deployment.issuer ? { ...metadata, issuer: this.deployment.issuer } : metadata;
  }

  /** The requester, or undefined once the 401 is sent. */
  async #authenticate(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ user_id: string; device_id?: string } | undefined> {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) {
      send(res, 401, { errcode: 'M_MISSING_TOKEN', error: 'Missing access token' });
      return undefined;
    }
    const remembered = this.deployment.introspection === 'once' ? this.#remembered.get(token) : undefined;
    if (remembered) return remembered;
    const answer = await fetch(new URL('oauth2/introspect', this.authEndpoint), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.secret}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'x-mas-supports-device-id': '1',
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    });
    const body = (await answer.json()) as { active?: boolean; username?: string; device_id?: string };
    if (answer.status !== 200 || body.active !== true || !body.username) {
      send(res, 401, {
        errcode: 'M_UNKNOWN_TOKEN',
        error: 'Invalid access token passed.',
        soft_logout: false,
      });
      return undefined;
    }
    const requester = {
      user_id: `@${body.username}:${this.serverName}`,
      ...(body.device_id ? { device_id: body.device_id } : {}),
    };
    this.#remembered.set(token, requester);
    return requester;
  }
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
