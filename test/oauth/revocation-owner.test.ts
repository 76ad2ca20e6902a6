import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { signInDevice } from '../helpers/homeserver-flows.js';
import { introspect, type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

// RFC 7009 §2.1: the server verifies that the token was issued to the client asking to revoke it, and
// refuses the request (an error, §2.2.1) when it was not.

const PASSWORD = 'correct horse battery staple';

for (const kind of DATABASE_KINDS) {
  describe(`revocation by the token's client only [${kind}]`, () => {
    let server: RunningMxauth;
    let owner: oidc.Configuration;
    let other: oidc.Configuration;
    // A confidential client, from the configuration (dynamic registration gives public clients only).
    const confidential = { client_id: 'ops-tool', client_secret: 'ops-secret' };

    before(async () => {
      server = await startMxauth(kind, {
        clients: [{ ...confidential, client_auth_method: 'client_secret_basic' }] as never,
      });
      assert.ok((await server.mxauth.users.register({ localpart: 'rita', password: PASSWORD })).ok);
      owner = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'] });
      other = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'] });
    });
    after(() => server.close());

    async function signIn(device: string) {
      const answer = await signInDevice(
        server.base,
        owner,
        { localpart: 'rita', password: PASSWORD },
        device,
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return { access_token: answer.body.access_token!, refresh_token: answer.body.refresh_token! };
    }

    /** POSTs to the revocation endpoint as `client` would (its own authentication). */
    async function revoke(
      client: oidc.Configuration | typeof confidential,
      token: string,
    ): Promise<Response> {
      const metadata = 'clientMetadata' in client ? client.clientMetadata() : client;
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      const body = new URLSearchParams({ token });
      if (metadata.client_secret)
        headers.authorization = `Basic ${Buffer.from(`${metadata.client_id}:${metadata.client_secret}`).toString('base64')}`;
      else body.set('client_id', metadata.client_id);
      return fetch(new URL('oauth2/revoke', server.base), { method: 'POST', headers, body });
    }

    test("another client's revocation is refused and the tokens keep working", async () => {
      const tokens = await signIn('REVOKEA001');
      for (const [client, token] of [
        [other, tokens.access_token],
        [other, tokens.refresh_token!],
        [confidential, tokens.access_token],
        [confidential, tokens.refresh_token!],
      ] as const) {
        const response = await revoke(client, token);
        assert.equal(response.status, 400);
        const body = (await response.json()) as { error?: string };
        assert.equal(body.error, 'unauthorized_client');
      }
      assert.equal((await introspect(server, tokens.access_token)).active, true);
      // The device still refreshes: its grant was not revoked either.
      const refreshed = await oidc.refreshTokenGrant(owner, tokens.refresh_token!);
      assert.equal((await introspect(server, refreshed.access_token)).active, true);
    });

    test('the owner client still revokes its token', async () => {
      const tokens = await signIn('REVOKEB001');
      const response = await revoke(owner, tokens.access_token);
      assert.equal(response.status, 200);
      assert.equal((await introspect(server, tokens.access_token)).active, false);
      // Revoking a device's token ends the device (revokeGrantPolicy): the refresh token goes too.
      await assert.rejects(oidc.refreshTokenGrant(owner, tokens.refresh_token!), { error: 'invalid_grant' });
    });

    test('an unknown token still answers 200 to any client (RFC 7009 §2.2)', async () => {
      const response = await revoke(other, 'not-a-token-anyone-issued');
      assert.equal(response.status, 200);
    });
  });
}
