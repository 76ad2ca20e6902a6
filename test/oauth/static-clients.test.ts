import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { parseConfig } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problems.js';
import { testConfig } from '../helpers/config.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { HOMESERVER_SECRET, type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const ADMIN_TOOL = {
  client_id: 'admin-tool',
  client_auth_method: 'client_secret_basic',
  client_secret: 'tool-secret',
};
const POSTING_TOOL = {
  client_id: 'posting-tool',
  client_auth_method: 'client_secret_post',
  client_secret: 'post-secret',
};

for (const kind of DATABASE_KINDS) {
  describe(`clients from the configuration [${kind}]`, () => {
    let server: RunningMxauth;

    before(async () => {
      server = await startMxauth(kind, { clients: [ADMIN_TOOL, POSTING_TOOL] as never });
    });
    after(() => server.close());

    const introspect = (headers: Record<string, string>, form: Record<string, string>) =>
      fetch(`${server.base}oauth2/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form),
      });

    test('a confidential client gets a token for itself (client_credentials), with no Matrix account', async () => {
      const config = await oidc.discovery(
        new URL(server.base),
        ADMIN_TOOL.client_id,
        undefined,
        oidc.ClientSecretBasic(ADMIN_TOOL.client_secret),
        { execute: [oidc.allowInsecureRequests] },
      );
      const tokens = await oidc.clientCredentialsGrant(config);
      assert.ok(tokens.access_token);

      const asHomeserver = await introspect(
        { authorization: `Bearer ${HOMESERVER_SECRET}` },
        { token: tokens.access_token },
      );
      assert.deepEqual(
        await asHomeserver.json(),
        { active: false },
        'a client token is nobody’s Matrix session',
      );
      const basic = `Basic ${Buffer.from('admin-tool:tool-secret').toString('base64')}`;
      const response = await introspect({ authorization: basic }, { token: tokens.access_token });
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.active, true);
      assert.equal(body.client_id, 'admin-tool');
      assert.equal(body.username, undefined);
      assert.doesNotMatch(String(body.scope), /urn:matrix/);

      await assert.rejects(
        oidc.clientCredentialsGrant(
          await oidc.discovery(
            new URL(server.base),
            ADMIN_TOOL.client_id,
            undefined,
            oidc.ClientSecretBasic('wrong'),
            {
              execute: [oidc.allowInsecureRequests],
            },
          ),
        ),
        (e: { status?: number }) => e.status === 401,
        'a wrong secret is refused with 401',
      );
    });

    test('configured clients may introspect with their credentials (RFC 7662), others may not', async () => {
      const basic = (id: string, secret: string) =>
        `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
      const unknown = { token: 'not-a-token' };
      assert.equal(
        (await introspect({ authorization: basic('admin-tool', 'tool-secret') }, unknown)).status,
        200,
      );
      assert.equal((await introspect({ authorization: basic('admin-tool', 'nope') }, unknown)).status, 401);
      assert.equal(
        (await introspect({ authorization: basic('posting-tool', 'post-secret') }, unknown)).status,
        401,
        'wrong method',
      );
      assert.equal(
        (await introspect({}, { ...unknown, client_id: 'posting-tool', client_secret: 'post-secret' }))
          .status,
        200,
      );
      assert.equal(
        (await introspect({}, { ...unknown, client_id: 'posting-tool', client_secret: 'x' })).status,
        401,
      );
      const ok = await introspect({ authorization: basic('admin-tool', 'tool-secret') }, unknown);
      assert.deepEqual(await ok.json(), { active: false });
    });
  });
}

test('static client mistakes are named in the configuration', () => {
  const result = parseConfig(testConfig({}));
  assert.ok(result.ok);
  const bad = parseConfig({
    ...testConfig(),
    clients: [
      { client_id: 'a', client_auth_method: 'client_secret_basic' },
      { client_id: 'b', client_auth_method: 'none', grant_types: ['client_credentials'] },
      { client_id: 'c', client_auth_method: 'none', grant_types: ['authorization_code'] },
      { client_id: 'a', client_auth_method: 'none', redirect_uris: ['https://x.example/cb'] },
    ],
  });
  assert.ok(!bad.ok);
  assert.deepEqual(bad.error.map(formatProblem), [
    'clients.0.client_secret: is required (or client_secret_file)',
    'clients.1.grant_types: client_credentials needs a confidential client (a client_auth_method with a secret)',
    'clients.2.redirect_uris: a client using authorization_code needs at least one redirect URI',
    'clients.3.client_id: "a" is used twice',
  ]);
});
